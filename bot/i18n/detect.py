"""Which language a conversation is held in: the page's choice, the partner's request, or what
the partner writes in.

Detection uses lingua (PyPI, offline, models inside the wheel). Single words are ambiguous
("hallo", "sim", "merci" are each several languages), so a guess counts only for messages of a
few words with a clear margin, and only at the start of a conversation; after that the partner
switches by asking ("can we speak Spanish?") or with the widget's language button.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

#: Languages the detector tells apart: the supported ones plus neighbours partners often write
#: in, so that an Italian message is recognised as Italian (and answered with a notice) instead
#: of being forced into Spanish. Each Latin-script language costs ~25 MB of models in the Rasa
#: server (these twelve: ~200 MB).
DETECTED = ("en", "es", "fr", "pt", "de", "ar", "it", "nl", "ca", "ru", "zh", "ja")

#: A guess needs this many words (or one long word run in scripts without spaces) ...
MIN_WORDS = 3
MIN_CHARS_UNSPACED = 6
#: ... and this much confidence for the best language, or at least CLOSE_CONFIDENCE and this
#: lead over the second ("Gostaríamos de doar 300 fotografias": pt 0.48, es 0.40).
MIN_CONFIDENCE = 0.5
CLOSE_CONFIDENCE = 0.35
MIN_LEAD = 1.15
#: Detection is used for the first partner messages only.
DETECT_TURNS = 3


@dataclass(frozen=True)
class Guess:
    language: str
    confidence: float


#: The channels guess in worker threads (off the event loop): one builds the detector, the others wait.
_DETECTOR_LOCK = threading.Lock()


def _detector() -> Any:
    with _DETECTOR_LOCK:
        return _build_detector()


@cache
def _build_detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in DETECTED]
    # High-accuracy mode: the low-accuracy one (trigrams only, ~250 MB smaller) took "I want to
    # donate photos" for Romanian with 0.76 confidence. Models load on the first guess (~1 s).
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def long_enough(text: str) -> bool:
    """Whether `text` carries enough letters for a language guess."""
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    if len(words) >= MIN_WORDS:
        return True
    letters = sum(ch.isalpha() for ch in text)
    unspaced = any(ord(ch) > 0x2E80 for ch in text)  # CJK: no spaces between words
    return unspaced and letters >= MIN_CHARS_UNSPACED


def _arabic_script(text: str) -> bool:
    """Whether the letters of `text` are mostly Arabic script: then even "تحية طيبة" (two words)
    is Arabic, which no Latin-script guess can be."""
    letters = [ch for ch in text if ch.isalpha()]
    arabic = sum("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in letters)
    return arabic >= 4 and arabic >= 0.8 * len(letters)


def guess(text: str) -> Guess | None:
    """The language of `text` when it is long enough and clear enough, else None."""
    if not isinstance(text, str) or text.startswith("/"):
        return None
    if _arabic_script(text):
        return Guess("ar", 1.0)
    greeting = _greeting_language(text)
    if greeting:
        return Guess(greeting, 1.0)
    if not long_enough(text):
        return None
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    second = values[1].value if len(values) > 1 else 0.0
    if best.value < MIN_CONFIDENCE and not (best.value >= CLOSE_CONFIDENCE and best.value >= MIN_LEAD * second):
        return None
    return Guess(best.language.iso_code_639_1.name.lower(), round(best.value, 3))


@cache
def _greetings() -> dict[str, str]:
    """Whole-message greetings of each language (terms/<lang>.yml `greetings`), folded; a
    greeting said in two languages ("hallo") belongs to neither."""
    from bot.vocab.text import fold, load_terms

    owners: dict[str, set[str]] = {}
    for language, table in load_terms().items():
        for phrase in (table or {}).get("greetings") or () if language != "common" else ():
            owners.setdefault(fold(str(phrase)), set()).add(language)
    return {key: next(iter(langs)) for key, langs in owners.items() if len(langs) == 1}


def _greeting_language(text: str) -> str | None:
    """The language of a message that is only a greeting ("Buenos días", "Oi", "Servus")."""
    from bot.vocab.text import fold

    key = fold(text.strip(" !.,¡"))
    return _greetings().get(key) if key and len(key.split()) <= 4 else None


class Source(str, Enum):
    """How the conversation language was chosen (the `language_source` slot holds the value); a
    page's or the partner's choice is never overridden by detection."""

    DEFAULT = "default"
    PAGE = "page"  # the widget's page asked for it
    DETECTED = "detected"  # the partner's first messages are written in it
    PARTNER = "partner"  # the partner asked for it


SOURCES = tuple(source.value for source in Source)


@dataclass(frozen=True)
class Choice:
    language: str  # the conversation language from now on (always a supported one)
    source: Source
    unsupported: str | None = None  # a language asked for or detected that we cannot speak


def choose(*, current: str, source: str | None, supported: tuple[str, ...], requested: str | None,
           detected: str | None, user_turns: int) -> Choice | None:
    """The conversation language after a partner message, or None when it stays as it is.

    `requested` is a language the partner asked for (the `switch_language` intent); otherwise
    `detected` (the channel's guess for the message) counts during the first DETECT_TURNS
    messages, unless the page or the partner already chose.
    """
    known = Source(source) if source in SOURCES else Source.DEFAULT
    if requested:
        if requested in supported:
            return None if requested == current and known is Source.PARTNER else Choice(requested, Source.PARTNER)
        return Choice(current, known, unsupported=requested)
    if known in (Source.PAGE, Source.PARTNER) or user_turns > DETECT_TURNS or not detected or detected == current:
        return None
    if detected in supported:
        return Choice(detected, Source.DETECTED)
    return Choice(current, known, unsupported=detected)


#: How much of a message the language detector reads.
DETECTION_CHARS = 1000


def metadata_with_guess(metadata: dict[str, Any] | None, text: Any) -> dict[str, Any]:
    """The message's metadata plus `detected_language` when the text is clear enough.

    The channels call this (in a worker thread: integrations/channels/metadata.py), so the
    detector runs once, in the Rasa server, and actions read the guess from the message's metadata.
    """
    out = dict(metadata or {})
    # The first characters tell the language as well as the whole; reading a megabyte would hold
    # the server's event loop for more than a second.
    found = guess(text[:DETECTION_CHARS]) if isinstance(text, str) else None
    if found:
        out["detected_language"] = found.language
    return out


@cache
def _notices() -> dict[str, str]:
    from bot.vocab.text import load_data

    return dict(load_data("language_notices.yml"))


def unsupported_notice(code: str) -> str:
    """'We continue in English', in the unsupported language itself where we have the sentence."""
    notices = _notices()
    if code in notices:
        return notices[code]
    from bot.i18n.catalog import language_name

    return notices["default"].format(language=language_name(code, "en"))
