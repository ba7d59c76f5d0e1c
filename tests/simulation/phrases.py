"""The simulated partners' words: phrase banks (phrases/<lang>.yml) and what hurried typing
does to them (typos, lower case, missing accents)."""
from __future__ import annotations

import random
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PHRASES = Path(__file__).resolve().parent / "phrases"
LANGUAGES = ("en", "es", "fr", "pt", "de", "ar")
_PLACEHOLDER = re.compile(r"{(\w+)}")
# French elision the templates cannot know in advance: "de Orléans" -> "d'Orléans".
_FRENCH_ELISION = re.compile(r"\b([dD]e|[lL]e|[lL]a|[qQ]ue) (?=[AEIOUYÀÂÉÈÊÎÔÛaeiouyàâéèêîôûhH]\w)")


@cache
def bank(language: str) -> dict[str, Any]:
    with open(PHRASES / f"{language}.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def fill(template: str, lang: str, /, **values: Any) -> str:
    """`template` with its placeholders filled; unknown ones are left out cleanly."""
    text = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
    if lang == "fr":
        text = _FRENCH_ELISION.sub(lambda m: m.group(1)[0] + "'", text)
    return text


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def typo(text: str, rng: random.Random) -> str:
    """One slip of the finger in one word of five letters or more: two letters swapped, one
    dropped or one doubled."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind == "drop":
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def hurried(text: str, rng: random.Random, *, typo_rate: float = 0.0, lower_rate: float = 0.2,
            accent_rate: float = 0.1) -> tuple[str, bool]:
    """`text` as typed in a hurry on a phone; returns (text, whether a typo was made)."""
    made_typo = False
    if typo_rate and rng.random() < typo_rate:
        changed = typo(text, rng)
        made_typo = changed != text
        text = changed
    if rng.random() < lower_rate:
        text = text.lower()
    if rng.random() < accent_rate:
        text = strip_accents(text)
    return text, made_typo


def every_line(language: str) -> list[str]:
    """Every phrase of a bank, for the check that none is also a training example."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(bank(language))
    return out
