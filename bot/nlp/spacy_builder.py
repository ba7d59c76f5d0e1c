"""Build the project's own spaCy pipeline: a multilingual tokenizer plus an entity ruler.

Pretrained spaCy pipelines cannot be downloaded here, so the pipeline is built from the
vocabulary in bot/vocab (the same tables the form validation uses) and saved to disk for Rasa's
`SpacyNLP` (`model: models/spacy/intake_xx`).

Entity labels are the Rasa entity names; every pattern carries an `id`, the normalised value,
available as `Span.ent_id_`:

========================  ==============================================================
label                     id
========================  ==============================================================
``country``               ISO 3166-1 alpha-2 ("NL")
``region``                ISO 3166-2 ("US-NY"); the country is the part before the hyphen
``city``                  "FR" (alpha-2), or ISO 3166-2 ("US-OH") where routing needs a region
``content_language``      ISO 639-1 ("ca")
``organization_type``     OrganizationType value ("museum")
``partnership_type``      PartnershipType value ("content_donation")
``licence``               Licence value ("cc_by_sa"); "unsure" is never a pattern
========================  ==============================================================

When one phrase could carry two labels the first label of LABELS keeps it ("Georgia" is a
country, "New York" a region rather than a city). Abbreviations ("US", "UK") and phrases that are
ordinary words in lower case ("Turkey", "Polish") are ORTH token patterns, so "let us know" has
no country. Licences are token patterns tolerant of hyphens and versions, because the xx
tokenizer splits "CC BY-SA 4.0" into CC / BY / - / SA / 4.0 and keeps "CC-0" and "SA-4.0" whole.

CLI: ``python -m bot.nlp.spacy_builder --out models/spacy/intake_xx --data data``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import compile_prefix_regex

from bot.vocab import countries, regions, terms
from bot.vocab.text import (
    ARABIC_PREFIXES,
    ELISION,
    RULER_MODES,
    Phrase,
    arabic_stem,
    fold,
    is_arabic,
    strip_accents,
    term_languages,
)

LABELS = (
    "country",
    "region",
    "city",
    "content_language",
    "organization_type",
    "partnership_type",
    "licence",
)
HASH_FILE = "inputs.sha256"
_VERSION = r"v?\d+(\.\d+)*"
_VOCAB_DIR = Path(countries.__file__).resolve().parent


def entity_phrases(data_dir: Path, languages: Sequence[str]) -> dict[str, list[Phrase]]:
    """Vocabulary phrases per entity label, in priority order within each label."""
    out: dict[str, list[Phrase]] = {label: [] for label in LABELS}
    for language in languages:
        out["country"] += countries.country_phrases(language, data_dir)
        out["content_language"] += terms.language_phrases(language)
        for kind in terms.KINDS:
            out[kind] += [p for p in terms.term_phrases(kind, language) if p.value != "unsure"]
    out["region"] = regions.region_phrases()
    out["city"] = countries.city_phrases()
    return out


def _orth(nlp: Language, text: str) -> list[dict[str, Any]]:
    return [{"ORTH": token.text} for token in nlp.make_doc(text)]


def _licence_tokens(words: list[str]) -> list[list[dict[str, Any]]]:
    """Token patterns for licence words: optional hyphens between words, optional version."""

    def pattern(head: list[str], last: str) -> list[dict[str, Any]]:
        tokens: list[dict[str, Any]] = []
        for word in head:
            tokens += [{"LOWER": word}, {"ORTH": "-", "OP": "?"}]
        tokens.append({"LOWER": {"REGEX": f"^{last}(-?{_VERSION})?$"}})
        tokens.append({"LOWER": {"REGEX": f"^{_VERSION}$"}, "OP": "?"})
        return tokens

    out = [pattern(words[:-1], re.escape(words[-1]))]
    if len(words) > 1 and words[-1].isdigit():  # "CC-0" is a single token
        out.append(pattern(words[:-2], re.escape(words[-2]) + "-?" + re.escape(words[-1])))
    return out


def _surfaces(text: str) -> set[str]:
    variants = {text, strip_accents(text)}
    variants |= {v.replace("’", "'") for v in variants} | {v.replace("'", "’") for v in variants}
    return variants | {a for v in variants if is_arabic(v) for a in _arabic_forms(v)}


def _arabic_forms(text: str) -> set[str]:
    """The phrase with the article and fused prepositions on its first word, as Arabic writes
    it in a sentence: متحف -> المتحف, بالمتحف, والمتحف, للمتحف, ومتحف, بمتحف."""
    first, _, rest = text.partition(" ")
    heads = {first, *(p + first for p in ARABIC_PREFIXES)}
    if not strip_accents(first).startswith("ال") or first.startswith("ال"):
        # Not for names that begin with a hamza on the alef before lām (ألمانيا): "الألمانيا"
        # is no word, and it would fold differently.
        stem = arabic_stem(first)
        heads |= {"ال" + stem, *(p + "ال" + stem for p in "وبفك"), "لل" + stem}
    # "لل" also folds as "for the": ل + لبنان would not fold back to لبنان.
    heads = {h for h in heads if not (h.startswith("لل") and first.startswith("ل"))}
    return {f"{head} {rest}".strip() for head in heads}


def phrase_patterns(nlp: Language, label: str, phrase: Phrase) -> list[dict[str, Any]]:
    """Entity-ruler patterns of one phrase (none for whole-answer or scan-only phrases)."""
    if phrase.mode not in RULER_MODES:
        return []
    if phrase.mode == "upper":
        bodies: list[Any] = [_orth(nlp, phrase.text)]
    elif phrase.mode == "title":
        texts = {phrase.text, strip_accents(phrase.text)}
        bodies = [_orth(nlp, t) for t in sorted(texts | {t.upper() for t in texts})]
    elif label == "licence":
        bodies = _licence_tokens(fold(phrase.text).split())
    else:
        bodies = sorted(_surfaces(phrase.text))
    return [{"label": label, "pattern": body, "id": phrase.value} for body in bodies]


def make_patterns(nlp: Language, data_dir: Path, languages: Sequence[str]) -> list[dict[str, Any]]:
    """All ruler patterns; a folded phrase keeps the first (label, value) that claims it."""
    owner: dict[str, tuple[str, str]] = {}
    patterns: list[dict[str, Any]] = []
    seen: set[str] = set()
    for label, phrases in entity_phrases(Path(data_dir), languages).items():
        for phrase in phrases:
            key = fold(phrase.text)
            if (
                phrase.mode not in RULER_MODES
                or not key
                or owner.setdefault(key, (label, phrase.value)) != (label, phrase.value)
            ):
                continue
            for pattern in phrase_patterns(nlp, label, phrase):
                marker = repr(pattern)
                if marker not in seen:
                    seen.add(marker)
                    patterns.append(pattern)
    return patterns


def _input_files(data_dir: Path) -> Iterable[Path]:
    yield from sorted((_VOCAB_DIR / "data").rglob("*.yml"))
    yield from sorted(_VOCAB_DIR.glob("*.py"))
    yield Path(__file__).resolve()
    yield Path(data_dir) / "countries.csv"


def inputs_digest(data_dir: Path, languages: Sequence[str] | None = None) -> str:
    """SHA-256 of everything the pipeline is built from (data, sources, library versions)."""
    import babel

    languages = tuple(languages or term_languages())
    digest = hashlib.sha256()
    for part in (f"spacy={spacy.__version__}", f"babel={babel.__version__}", ",".join(languages)):
        digest.update(part.encode() + b"\0")
    for path in _input_files(data_dir):
        name = path.relative_to(_VOCAB_DIR).as_posix() if path.is_relative_to(_VOCAB_DIR) else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def needs_rebuild(output_dir: Path, data_dir: Path, languages: Sequence[str] | None = None) -> bool:
    """True unless `output_dir` holds a pipeline built from exactly the current inputs."""
    languages = tuple(languages or term_languages())
    output_dir = Path(output_dir)
    stamp = output_dir / HASH_FILE
    if not (output_dir / "config.cfg").is_file() or not stamp.is_file():
        return True
    return stamp.read_text(encoding="utf-8").strip() != inputs_digest(data_dir, languages)


def create_nlp(data_dir: Path, languages: Sequence[str] | None = None) -> Language:
    """The pipeline in memory: spacy.blank("xx") plus the entity ruler (every language of
    bot/vocab/data/terms/ unless `languages` says otherwise)."""
    languages = tuple(languages or term_languages())
    nlp = spacy.blank("xx")
    # "l'université" -> "l'" + "université", as the vocabulary's matching splits it.
    prefixes = [ELISION, *nlp.Defaults.prefixes]  # type: ignore[misc]
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search  # type: ignore[union-attr]
    ruler = nlp.add_pipe(
        "entity_ruler",
        config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True, "validate": True},
    )
    ruler.add_patterns(make_patterns(nlp, Path(data_dir), languages))  # type: ignore[attr-defined]
    nlp.meta.update(
        name="intake_xx",
        version="1.0.0",
        description="Wikimedia partner intake: tokenizer and entity ruler built from bot/vocab",
    )
    return nlp


def build_pipeline(
    output_dir: Path, data_dir: Path, languages: Sequence[str] | None = None, *, force: bool = False
) -> Path:
    """Build and save the pipeline to `output_dir` unless it is up to date; return the path.

    The pipeline is written next to `output_dir` first and moved into place, so a reader never
    sees half a pipeline; `inputs.sha256` records what it was built from.
    """
    output_dir = Path(output_dir)
    languages = tuple(languages or term_languages())
    if not force and not needs_rebuild(output_dir, data_dir, languages):
        return output_dir
    digest = inputs_digest(data_dir, languages)
    nlp = create_nlp(Path(data_dir), languages)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = output_dir.with_name(f".{output_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    nlp.to_disk(staging)
    (staging / HASH_FILE).write_text(digest + "\n", encoding="utf-8")
    shutil.rmtree(output_dir, ignore_errors=True)
    try:
        staging.rename(output_dir)
    except OSError:  # a concurrent build got there first; keep its result if it is current
        shutil.rmtree(staging, ignore_errors=True)
        if needs_rebuild(output_dir, data_dir, languages):
            raise
    return output_dir


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the pipeline if its inputs changed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("models/spacy/intake_xx"))
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--languages", default="", help="comma-separated, e.g. en,es,fr (default: every "
                        "language of bot/vocab/data/terms/)")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip()) or term_languages()
    if not args.force and not needs_rebuild(args.out, args.data, languages):
        print(f"{args.out}: up to date")
        return 0
    build_pipeline(args.out, args.data, languages, force=True)
    print(f"{args.out}: built")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
