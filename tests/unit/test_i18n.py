"""Language-dependent helpers: YAML 1.2 booleans, Arabic matching, localised answers and the
partner-facing routing reason."""
from __future__ import annotations

from bot.data import load_yaml
from bot.i18n.catalog import Catalog, load_catalog
from bot.intake.reasons import partner_reason, region_name
from bot.vocab.countries import normalize_country
from bot.vocab.terms import is_answer, named_field, normalize_organization_type
from bot.vocab.text import fold


def test_yes_no_on_off_stay_strings_and_true_false_are_booleans():
    assert load_yaml("yes: 1\nno: 2\non: [off, y, n]\nt: true\nf: False") == {
        "yes": 1, "no": 2, "on": ["off", "y", "n"], "t": True, "f": False}


def test_the_catalogue_labels_yes_and_no_are_found():
    assert load_catalog("en").label("yes") == "yes"
    assert load_catalog("es").label("yes") == "sí"


def test_arabic_matching_folds_the_article_and_fused_prepositions():
    assert fold("بالمغرب") == fold("المغرب") == fold("مغرب")
    assert normalize_country("بالمغرب", "ar") == "MA"
    assert normalize_country("ومصر", "ar") == "EG"  # "and Egypt"
    assert normalize_country("نحن في لبنان", "ar") == "LB"  # a name that begins with ل is kept whole
    assert normalize_country("بلجيكا", "ar") == "BE"
    assert fold("مكتبة") == fold("مكتبه")  # tā' marbūṭa typed as hā'


def test_answers_are_read_in_the_conversation_language_and_in_english():
    assert is_answer("yes", "Sí", "es") and is_answer("yes", "yes", "es")
    assert is_answer("no", "nein", "de") and not is_answer("no", "nein danke, doch ja", "de")
    assert is_answer("international", "online only", "en")
    assert not is_answer("yes", "", "en") and not is_answer("yes", None, "en")
    assert named_field("I want to change the organisation name", "en") == "organization_name"
    assert normalize_organization_type("somos un museo municipal", "es").value == "museum"


def _reason(rule: str, language: str = "en", **slots) -> str:
    return partner_reason(rule=rule, affiliate_name=slots.pop("name", "Wikimédia France"),
                          affiliate_region=slots.pop("declares", False), affiliate_topics=slots.pop("topics", ()),
                          slots=slots, catalog=load_catalog(language))


def test_the_partner_is_told_why_in_their_language():
    assert _reason("country:chapter", country="FR") == "Wikimédia France is the Wikimedia chapter for your country (France)."
    assert "Francia" in _reason("country:chapter", "es", country="FR")
    assert "(Ohio, United States)" in _reason("country:user-group", name="Ohio group", country="US", region="US-OH",
                                             declares=True)
    assert _reason("thematic:topic", name="WikiProject Medicine", topics=("health",), country="KE") == (
        "WikiProject Medicine is the Wikimedia organisation for medicine and health.")
    assert "Catalan" in _reason("thematic:language", name="Amical Wikimedia", country="ES", content_language="ca")
    assert "catalán" in _reason("thematic:language", "es", name="Amical Wikimedia", country="ES", content_language="ca")
    assert _reason("fallback", name="Wikimedia Foundation Partnerships team") == (
        "The Wikimedia Foundation Partnerships team will help you directly.")
    assert _reason("manual:staff", name="X") == "X is best placed to help you."
    assert region_name("US-OH") == "Ohio" and region_name("XX") is None


def test_a_broken_template_gives_the_name_instead_of_an_error():
    english = load_catalog("en")
    broken = Catalog("en", english.labels, english.values, english.responses, {"country:chapter": "{nope} {"})
    assert partner_reason(rule="country:chapter", affiliate_name="WMFR", affiliate_region=False, affiliate_topics=(),
                          slots={"country": "FR"}, catalog=broken) == "WMFR"
