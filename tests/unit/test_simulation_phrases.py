"""The partner simulator's phrase banks (tests/simulation/phrases/) are complete in every
language and share no sentence with the training data: the simulator must measure whether the
assistant understands people it was not trained on, not whether it remembers."""
from __future__ import annotations

import re
import string

import pytest
import yaml

from tests.simulation.phrases import LANGUAGES, bank, every_line
from tests.unit.test_languages import LANGUAGES as SUPPORTED
from tests.unit.test_languages import examples

#: Sentences this short ("yes", "CC BY-SA", "an edit-a-thon", "un institut de recherche") are
#: everybody's words.
MIN_WORDS = 5


def keys(node, prefix=""):
    out = set()
    if isinstance(node, dict):
        for key, value in node.items():
            out |= {f"{prefix}/{key}"} | keys(value, f"{prefix}/{key}")
    return out


def shape(text: str) -> str:
    """A sentence's shape: case, accents, numbers, placeholders and punctuation left out."""
    from bot.vocab.text import strip_accents

    text = re.sub(r"\{\w+\}|\d[\d.,  ]*", " # ", strip_accents(str(text)).casefold())
    text = "".join(" " if ch in string.punctuation or ch in "¿¡«»“”„’" else ch for ch in text)
    return " ".join(text.split())


def test_the_simulator_speaks_every_supported_language():
    assert set(LANGUAGES) == set(SUPPORTED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phrase_bank_has_the_keys_and_placeholders_of_english(language):
    english, theirs = bank("en"), bank(language)
    assert keys(theirs) == keys(english)

    def walk(mine, other, path):
        if isinstance(mine, dict):
            for key in mine:
                walk(mine[key], other[key], f"{path}/{key}")
        elif isinstance(mine, list):
            allowed = {name for line in mine for _, name, _, _ in string.Formatter().parse(line) if name}
            used = {name for line in other for _, name, _, _ in string.Formatter().parse(line) if name}
            assert used <= allowed, (path, used - allowed)
            assert len(other) >= len(mine), path

    walk(english, theirs, "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_simulated_sentence_is_a_training_example(language):
    trained = {shape(text) for texts in examples(language).values() for text in texts}
    shared = sorted({line for line in every_line(language) if len(shape(line).split()) >= MIN_WORDS
                     and shape(line) in trained})
    assert not shared, shared


def test_phrase_banks_are_valid_yaml_of_strings():
    for language in LANGUAGES:
        assert all(isinstance(line, str) and line.strip() for line in every_line(language)), language
        yaml.safe_load(yaml.safe_dump(bank(language)))
