"""The privacy notice's words: every language says the same things, with every fact filled in."""
from __future__ import annotations

import re

import pytest
from babel import Locale

from bot.i18n.catalog import supported_languages
from integrations.webchat.privacy import choose_language, days, notice_languages, notice_text

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
LANGUAGES = ("en", "es", "fr", "pt", "de", "ar")


def placeholders(text: dict) -> list[set[str]]:
    """The placeholders of each paragraph and point, in order."""
    found = [set(PLACEHOLDER.findall(text["intro"]))]
    for section in text["sections"]:
        for words in section.get("paragraphs", []) + section.get("points", []):
            found.append(set(PLACEHOLDER.findall(words)))
    return found


def test_the_notice_exists_in_every_language_the_assistant_speaks():
    assert set(notice_languages()) == set(supported_languages()) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_each_translation_has_the_english_shape_and_facts(language):
    english, text = notice_text("en"), notice_text(language)
    assert sorted(text) == sorted(english)
    shape = [(sorted(s), len(s.get("points", [])), len(s.get("paragraphs", []))) for s in text["sections"]]
    assert shape == [(sorted(s), len(s.get("points", [])), len(s.get("paragraphs", []))) for s in english["sections"]]
    assert placeholders(text) == placeholders(english)
    assert text["title"] != english["title"]  # translated, not copied


def test_the_facts_the_notice_must_state_are_in_it():
    used = set().union(*placeholders(notice_text("en")))
    assert used == {"abandoned_days", "retention_days", "contact", "reference_prefix"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_days_have_a_form_for_every_plural_category(language):
    forms = notice_text(language)["days"]
    categories = {Locale.parse(language).plural_form(n) for n in range(0, 1001)}
    assert categories <= set(forms)
    assert days(730, language).replace("730", "") != days(730, language)


def test_arabic_counts_days_as_arabic_grammar_does():
    assert [days(n, "ar") for n in (1, 2, 7, 90, 100, 730)] == [
        "يوم واحد", "يومين", "7 أيام", "90 يومًا", "100 يوم", "730 يومًا"]


@pytest.mark.parametrize(("query", "header", "expected"), [
    (None, None, "en"),
    (None, "de-CH,de;q=0.9,en;q=0.8", "de"),
    (None, "xx, pt-BR;q=0.5", "pt"),
    (None, "fr;q=0, es;q=0.1", "es"),
    (None, "en;q=0.2, ar", "ar"),
    (None, "fr;q=oops", "en"),
    ("es", "de", "es"),
    ("pt_BR", None, "pt"),
    ("xx", "fr", "fr"),
    ("", "", "en"),
])
def test_the_language_is_the_query_then_the_browser_then_english(query, header, expected):
    assert choose_language(query=query, accept_language=header, available=LANGUAGES) == expected
