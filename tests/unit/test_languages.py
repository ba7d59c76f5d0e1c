"""Every supported language is complete: replies, training examples, vocabulary, test intakes.

A language is supported when bot/responses/<code>.yml exists; it then needs data/nlu/<code>/
and bot/vocab/data/terms/<code>.yml, and each of them must match English key for key.
"""
from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.i18n.catalog import load_catalog, supported_languages
from bot.i18n.detect import guess
from bot.intake.model import Licence, OrganizationType, PartnershipType
from bot.vocab.text import load_terms

ROOT = Path(__file__).resolve().parents[2]
NLU = ROOT / "data" / "nlu"
#: Fewest training examples of one intent in one language (issue: at least 20).
MIN_EXAMPLES = 20
#: Keys every terms/<code>.yml has (the lists the form's validation reads).
TERM_KEYS = {"organization_type", "partnership_type", "licence", "yes", "no", "international", "same_language",
             "fields", "name_prefixes"}
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def intents() -> list[str]:
    return list(yaml.safe_load((ROOT / "bot" / "domain" / "intents.yml").read_text())["intents"])


def examples(language: str) -> dict[str, list[str]]:
    """intent -> example texts (annotations removed) of data/nlu/<language>/."""
    out: dict[str, list[str]] = {}
    for path in sorted((NLU / language).glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in block:
                lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
                out.setdefault(block["intent"], []).extend(_ANNOTATION.sub(r"\1", x).strip() for x in lines)
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


LANGUAGES = supported_languages()
OTHERS = [code for code in LANGUAGES if code != "en"]


def test_the_six_languages_are_supported():
    assert set(LANGUAGES) == {"en", "es", "fr", "pt", "de", "ar"}


def test_each_language_has_training_data_and_vocabulary():
    assert {p.name for p in NLU.iterdir() if p.is_dir()} == set(LANGUAGES)
    assert set(load_terms()) - {"common"} == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_examples_in_each_language(language):
    found = examples(language)
    assert set(found) == set(intents()), set(intents()) ^ set(found)
    short = {intent: len(set(texts)) for intent, texts in found.items() if len(set(texts)) < MIN_EXAMPLES}
    assert not short, f"{language}: intents with fewer than {MIN_EXAMPLES} distinct examples: {short}"


def test_no_example_is_given_two_intents_in_any_language():
    """One model learns every language: "no" may be deny in English and Spanish, but never
    deny in one and inform in another."""
    owners: dict[str, set[str]] = {}
    for language in LANGUAGES:
        for intent, texts in examples(language).items():
            for text in texts:
                owners.setdefault(text.casefold(), set()).add(f"{language}:{intent}")
    clashes = {text: o for text, o in owners.items() if len({x.split(":")[1] for x in o}) > 1}
    assert not clashes


@pytest.mark.parametrize("language", OTHERS)
def test_training_examples_are_written_in_their_language(language):
    """lingua (the channels' detector) reads the examples of three words or more as `language`:
    a block left in English, or copied from another language, fails here."""
    guesses = Counter()
    for texts in examples(language).values():
        for text in texts:
            found = guess(text)
            if found:
                guesses[found.language] += 1
    total = sum(guesses.values())
    assert total >= 100
    assert guesses[language] / total >= 0.9, (language, guesses.most_common(4))


@pytest.mark.parametrize("language", OTHERS)
def test_replies_match_english_key_for_key(language):
    english, catalog = load_catalog("en"), load_catalog(language)
    assert set(catalog.responses) == set(english.responses)
    assert set(catalog.reasons) == set(english.reasons)
    assert set(catalog.values) == set(english.values)
    for key, variations in english.responses.items():
        theirs = catalog.responses[key]
        assert len(theirs) == len(variations), key
        for mine, other in zip(variations, theirs, strict=True):
            assert placeholders(other["text"]) == placeholders(mine["text"]), key
            assert [b["payload"] for b in other.get("buttons") or []] == [b["payload"] for b in mine.get("buttons") or []]
            assert other["text"] != mine["text"], f"{key} is still English"
    for rule, text in english.reasons.items():
        assert placeholders(catalog.reasons[rule]) <= placeholders(text) | {"name"}, rule
    for slot, titles in english.values.items():
        if isinstance(titles, dict):
            assert set(catalog.values[slot]) == set(titles), slot


@pytest.mark.parametrize("language", OTHERS)
def test_vocabulary_has_every_list_and_valid_values(language):
    table = load_terms()[language]
    assert TERM_KEYS <= set(table), TERM_KEYS - set(table)
    for kind, enum in (("organization_type", OrganizationType), ("partnership_type", PartnershipType),
                       ("licence", Licence)):
        named = {enum(v) for v in table[kind]}  # an unknown value raises here
        assert named >= set(enum) - {enum("other")} if kind != "licence" else named == set(enum), kind
    assert set(table["fields"]) <= set(load_terms()["en"]["fields"])
