"""How partners phrase things around their answers, in every supported language: "I don't
know", "skip", questions, negations ("Belgium, not France"), fillers ("Sure! ..."), and the
words between a name and an e-mail address.

Pure; the phrase lists are `terms/<lang>.yml` (with English as the fallback, as everywhere in
the vocabulary), folded like every other lookup, so case, accents and apostrophes never matter.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.vocab.text import Lexicon, Phrase, clean, fold, is_arabic, language_list, words
from bot.vocab.text import primary_language as _lang

#: A message this long or longer is a statement, not a short command or question.
LONG_MESSAGE_WORDS = 13
_CLAUSE_BREAK = re.compile(r"[,;.!?؟؛،:\n()\[\]]+|\s[-–—]+\s")


@lru_cache(maxsize=64)
def _phrases(key: str, language: str) -> frozenset[str]:
    return frozenset(fold(x) for x in language_list(key, _lang(language)))


@lru_cache(maxsize=64)
def _lexicon(key: str, language: str) -> Lexicon:
    return Lexicon(Phrase(x, key, "any") for x in language_list(key, _lang(language)))


def without_fillers(text: str, language: str) -> str:
    """The answer without the words partners put before it ("Sure! CC0" -> "CC0")."""
    fillers = _phrases("fillers", language)
    parts = words(text)
    start = 0
    while start < len(parts):
        for size in (3, 2, 1):
            if fold(" ".join(parts[start : start + size])) in fillers and start + size <= len(parts):
                start += size
                break
        else:
            break
    return " ".join(parts[start:]) if start else text


def without_courtesies(text: str, language: str) -> str:
    """The answer without the courtesies partners put after it ("yes thanks" -> "yes")."""
    courtesies = _phrases("courtesies", language)
    parts = words(text)
    end = len(parts)
    while end > 0:
        for size in (3, 2, 1):
            if size <= end and fold(" ".join(parts[end - size : end])) in courtesies:
                end -= size
                break
        else:
            break
    return " ".join(parts[:end]) if end < len(parts) else text


def says(key: str, text: object, language: str) -> bool:
    """Whether the message, fillers aside, is one of the `key` phrases (dont_know, skip)."""
    if not isinstance(text, str) or not text.strip():
        return False
    phrases = _phrases(key, language)
    if fold(text) in phrases or fold(without_fillers(text, language)) in phrases:
        return True
    # A short message made mostly of the phrase: "hmm, no idea, sorry".
    found = _lexicon(key, language).scan(text)
    covered = sum(end - start for start, end, _ in found)
    return bool(found) and len(words(text)) <= covered + 2


def says_any(key: str, text: object, language: str) -> bool:
    """Whether any `key` phrase occurs in the message."""
    return isinstance(text, str) and bool(_lexicon(key, language).scan(text))


def starts_with_answer(clause: str, language: str) -> bool | None:
    """True or False when `clause` opens with a yes or a no phrase of two words or more ("I'd
    rather not ..."), None otherwise; a one-word "no" could start anything ("no idea")."""
    key = fold(clause)
    for value, listed in ((True, "yes"), (False, "no")):
        for phrase in sorted(_phrases(listed, language), key=len, reverse=True):
            if " " in phrase and (key == phrase or key.startswith(phrase + " ")):
                return value
    return None


def word_count(text: object) -> int:
    return len(words(text)) if isinstance(text, str) else 0


def is_question(text: object, language: str) -> bool:
    """Whether the message is phrased as a question: a question mark, or an interrogative word
    first in a message of some length ("what is the difference between CC BY and CC BY-SA")."""
    if not isinstance(text, str):
        return False
    stripped = clean(text)
    if stripped.endswith(("?", "؟")) or stripped.startswith("¿"):
        return True
    parts = [fold(w) for w in words(without_fillers(stripped, language))]
    if len(parts) < 4:
        return False
    starters = _phrases("question_words", language)
    return parts[0] in starters or " ".join(parts[:2]) in starters


def opens_with_question_word(text: object, language: str) -> bool:
    parts = [fold(w) for w in words(without_fillers(text, language))] if isinstance(text, str) else []
    starters = _phrases("question_words", language)
    return bool(parts) and (parts[0] in starters or " ".join(parts[:2]) in starters)


def clauses(text: str, language: str) -> list[str]:
    """The message cut where its sense may turn: punctuation, dashes and "but"/"sino"/"mais"."""
    contrasts = _phrases("contrasts", language)
    out: list[str] = []
    for piece in _CLAUSE_BREAK.split(clean(text)):
        current: list[str] = []
        for word in piece.split():
            if fold(word) in contrasts and current:
                out.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            out.append(" ".join(current))
    return [c for c in out if c.strip()]


def is_negated(clause: str, language: str) -> bool:
    """Whether a clause denies what it names ("not France", "pas en France", "nicht Köln")."""
    negations = _phrases("negations", language)
    parts = [fold(w) for w in words(clause)]
    following = [*parts[1:], ""] if parts else []
    return any(p in negations or f"{p} {q}" in negations for p, q in zip(parts, following, strict=True))


def strip_prefixes(text: str, key: str, language: str) -> str:
    """`text` without a leading phrase of the `key` list ("it's called X" -> "X")."""
    for prefix in sorted(language_list(key, _lang(language)), key=len, reverse=True):
        pattern = r"^\s*" + re.escape(prefix.replace("’", "'")) + r"(?:\s+|(?<=:)|$)"
        stripped = re.sub(pattern, "", text.replace("’", "'"), count=1, flags=re.IGNORECASE).strip()
        if stripped != text.strip() and stripped:
            return stripped
    return text.strip()


def name_beside_email(text: str, email_span: tuple[int, int], language: str) -> str:
    """What names the person in a message that also holds their e-mail address:
    "I'm Ana Pérez, my email is ana@x.org" -> "I'm Ana Pérez" (name prefixes are the name
    reader's business); "ana@x.org - Ana Pérez" -> "Ana Pérez"."""
    before, after = text[: email_span[0]], text[email_span[1] :]
    for piece, from_end in ((before, True), (after, False)):
        parts = [p.strip() for p in _CLAUSE_BREAK.split(piece) if p.strip()]
        if not parts:
            continue
        # The clause next to the address may be "my email is"; the name is in another one.
        ordered = parts if not from_end else parts[::-1]
        for part in ordered:
            name = _without_joiners(part, language, from_end=from_end)
            if name and not _names_an_address(name, language):
                return name
    return ""


def _names_an_address(clause: str, language: str) -> bool:
    """Whether a clause speaks of the address ("meine E-Mail-Adresse ist") rather than a name."""
    names = _phrases("email_names", language)
    keys = [fold(w) for w in words(clause)]
    keys += [k[1:] for k in keys if len(k) > 3 and k[0] in "وبلف" and is_arabic(k)]  # وبريدي = و + بريدي
    joined = [fold(w) for w in clause.split()]
    return any(k in names for k in keys) or any(k in names for k in joined) or any(
        " ".join(keys[i : i + 2]) in names for i in range(len(keys) - 1)
    )


@lru_cache(maxsize=16)
def _joiner_patterns(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Regexes matching "and my e-mail is" at the end and at the start of a clause."""
    words = sorted({fold(x) for x in language_list("email_words", _lang(language))}, key=len, reverse=True)
    alternatives = "|".join(r"[\s\-]*".join(re.escape(w) for w in joiner.split()) for joiner in words if joiner)
    return (re.compile(rf"(?:^|\s)(?:{alternatives})[\s:]*$"), re.compile(rf"^(?:{alternatives})(?:\s|$)"))


def _without_joiners(clause: str, language: str, *, from_end: bool) -> str:
    """`clause` without the words that lead to or follow an address ("... and my email is")."""
    at_end, at_start = _joiner_patterns(language)
    plain = strip_accents_lower(clause)
    pattern = at_end if from_end else at_start
    while plain:
        match = pattern.search(plain)
        if not match or match.end() == match.start():
            break
        if from_end:
            clause, plain = clause[: match.start()].rstrip(), plain[: match.start()].rstrip()
        else:
            clause, plain = clause[match.end() :].lstrip(), plain[match.end() :].lstrip()
    return clause.strip(" ,;:-–—()<>[]")


def strip_accents_lower(text: str) -> str:
    """Lower case without accents, character for character (positions stay the same)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        kept = "".join(c for c in base if not unicodedata.combining(c)) or ch
        out.append(kept[0].lower() if len(kept[0].lower()) == 1 else ch.lower()[:1] or ch)
    return "".join(out)
