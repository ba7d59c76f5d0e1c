"""The project's spaCy pipeline (bot/nlp/spacy_builder.py), built once into a temporary dir."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from bot.nlp import spacy_builder
from bot.nlp.spacy_builder import HASH_FILE, LABELS, build_pipeline, needs_rebuild
from bot.vocab import (
    city_location,
    normalize_country,
    normalize_language,
    normalize_licence,
    normalize_organization_type,
    normalize_partnership_type,
    normalize_region,
)
from bot.vocab.text import term_languages

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_pipeline(tmp_path_factory.mktemp("spacy") / "intake_xx", DATA)


@pytest.fixture(scope="module")
def nlp(built):
    return spacy.load(built)


def entities(nlp, text: str) -> dict[str, str]:
    return {ent.label_: ent.ent_id_ for ent in nlp(text).ents}


def test_pipeline_shape(nlp, built):
    assert nlp.lang == "xx"
    assert nlp.pipe_names == ["entity_ruler"]
    ruler = nlp.get_pipe("entity_ruler")
    assert ruler.phrase_matcher_attr == "LOWER" and ruler.overwrite
    assert set(ruler.labels) == set(LABELS)
    assert all(p.get("id") for p in ruler.patterns)
    assert {"label": "country", "pattern": "the Netherlands", "id": "NL"} in ruler.patterns
    assert len((built / HASH_FILE).read_text().strip()) == 64


def test_xx_tokenizer_splits_licences_on_hyphens(nlp):
    """Why licences are token patterns: the hyphen splits, but not before a digit."""
    tokens = lambda text: [t.text for t in nlp.make_doc(text)]  # noqa: E731
    assert tokens("CC BY-SA 4.0") == ["CC", "BY", "-", "SA", "4.0"]
    assert tokens("cc-by-sa 4.0") == ["cc", "-", "by", "-", "sa", "4.0"]
    assert tokens("CC-BY-SA-4.0") == ["CC", "-", "BY", "-", "SA-4.0"]
    assert tokens("CC-0") == ["CC-0"]


def test_museum_in_lyon(nlp):
    text = "We are a museum in Lyon and want to donate 2,000 photos under CC BY-SA"
    assert entities(nlp, text) == {
        "organization_type": "museum",
        "city": "FR",
        "partnership_type": "content_donation",
        "licence": "cc_by_sa",
    }


def test_archive_in_barcelona(nlp):
    found = entities(nlp, "archive in Barcelona, newspapers in Catalan, CC0")
    assert found["content_language"] == "ca"
    assert found["licence"] == "cc0"
    assert found["city"] == "ES"
    assert found["organization_type"] == "archive"


def test_country_and_region(nlp):
    assert entities(nlp, "We are in the USA, in New York") == {"country": "US", "region": "US-NY"}


def test_city_id_carries_the_region(nlp):
    found = entities(nlp, "a library in Columbus, Ohio, digitised postcards, public domain")
    assert found["city"] == "US-OH" and found["region"] == "US-OH"
    assert found["licence"] == "public_domain"


@pytest.mark.parametrize(
    "text, label, value",
    [
        ("Our content is CC BY-SA 4.0", "licence", "cc_by_sa"),
        ("licensed cc-by-sa 4.0", "licence", "cc_by_sa"),
        ("licensed CC-BY-SA-4.0", "licence", "cc_by_sa"),
        ("all under CC BY-NC-SA", "licence", "restricted"),
        ("all under cc-by-nc-sa 4.0", "licence", "restricted"),
        ("all under CC BY 4.0.", "licence", "cc_by"),
        ("all under CC-0", "licence", "cc0"),
        ("We are in the U.S.", "country", "US"),
        ("The U.K. museum", "country", "GB"),
        ("a UK-based charity", "country", "GB"),
        ("we are in Côte d'Ivoire", "country", "CI"),
        ("we are in cote d’ivoire", "country", "CI"),
        ("from New Mexico", "region", "US-NM"),
        ("we are in Georgia", "country", "GE"),
        ("Yoruba-language cultural centre in Ibadan, Nigeria", "content_language", "yo"),
        ("Yoruba-language cultural centre in Ibadan, Nigeria", "city", "NG-OY"),
        ("Yoruba-language cultural centre in Ibadan, Nigeria", "country", "NG"),
        ("gallery in Lagos, Nigeria", "region", "NG-LA"),
        ("students will write articles in a course", "partnership_type", "education"),
        ("we organise an edit-a-thon", "partnership_type", "event"),
        ("journalist asking for an interview", "partnership_type", "media"),
        ("company wants API access", "partnership_type", "technology"),
        ("museum in Iceland, Icelandic content", "content_language", "is"),
    ],
)
def test_entities(nlp, text, label, value):
    assert entities(nlp, text).get(label) == value


@pytest.mark.parametrize(
    "text, label",
    [
        ("let us know", "country"),
        ("Could you help us?", "country"),
        ("we are in touch", "country"),
        ("it is in english? no", "country"),
        ("we polish turkey in china", "country"),
        ("of course we can", "partnership_type"),
        ("I'm not sure what you mean", "licence"),
        ("we speak English", "country"),
    ],
)
def test_no_false_positive(nlp, text, label):
    assert label not in entities(nlp, text)


def _text_of(pattern) -> str | None:
    if isinstance(pattern, str):
        return pattern
    if all(set(token) == {"ORTH"} for token in pattern):
        return " ".join(token["ORTH"] for token in pattern)
    return None  # licence token patterns: covered by test_entities


NORMALISE = {
    "country": normalize_country,
    "city": lambda text, lang: (lambda found: found and (found[1] or found[0]))(city_location(text)),
    "content_language": normalize_language,
    "organization_type": lambda text, lang: getattr(normalize_organization_type(text, lang), "value", None),
    "partnership_type": lambda text, lang: getattr(normalize_partnership_type(text, lang), "value", None),
    "licence": lambda text, lang: getattr(normalize_licence(text, lang), "value", None),
}


def test_every_pattern_normalises_to_its_id(nlp):
    """What the ruler tags, the form validation maps back to the same value, in at least one of
    the languages (the ruler holds every language's phrases; the form reads the conversation's)."""
    mismatches = []
    for pattern in nlp.get_pipe("entity_ruler").patterns:
        text, label, value = _text_of(pattern["pattern"]), pattern["label"], pattern["id"]
        if text is None:
            continue
        if label == "region":
            got = [normalize_region(text, value[:2])]
        else:
            got = [NORMALISE[label](text, lang) for lang in term_languages()]
        if value not in got:
            mismatches.append((label, text, value, got))
    assert mismatches == []


def test_rebuild_skipped_when_inputs_unchanged(built, monkeypatch):
    stamp = (built / HASH_FILE).read_text()
    assert not needs_rebuild(built, DATA)

    def fail(*args, **kwargs):
        raise AssertionError("rebuilt although nothing changed")

    monkeypatch.setattr(spacy_builder, "create_nlp", fail)
    assert build_pipeline(built, DATA) == built
    assert (built / HASH_FILE).read_text() == stamp
    assert needs_rebuild(built, DATA, languages=("en", "es"))


def test_rebuild_when_inputs_change(tmp_path, built):
    copy = tmp_path / "intake_xx"
    copy.mkdir()
    for name in ("config.cfg", HASH_FILE):
        (copy / name).write_bytes((built / name).read_bytes())
    assert not needs_rebuild(copy, DATA)
    (copy / HASH_FILE).write_text("0" * 64 + "\n")
    assert needs_rebuild(copy, DATA)
    assert needs_rebuild(tmp_path / "missing", DATA)


def test_cli_reports_up_to_date(built, capsys):
    assert spacy_builder.main(["--out", str(built), "--data", str(DATA)]) == 0
    assert "up to date" in capsys.readouterr().out
