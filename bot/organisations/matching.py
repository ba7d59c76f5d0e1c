"""Is this the same organisation? Matching keys, name similarity and the join decision.

Pure: no database. Partners type their organisation's name as they please ("Musée d'Histoire de
Lyon", "musee histoire lyon", "Le Musée d'histoire de Lyon SARL"); the matching key keeps what
tells organisations apart and drops what does not: case, accents, punctuation, articles and
particles of the six languages, legal forms; a few institution words are read as one concept
across the languages ("Universidad", "Université", "Univ." -> univ), so that a name typed in
another language or abbreviated still meets its record.

`decide` weighs two records: the same Wikidata item or the same organisational e-mail domain
joins; a name alone joins only within one country, above a high similarity, with every word
accounted for; a band below is proposed to staff, never merged. Precision before recall: a
wrong merge mixes two partners' histories, a missed one only costs staff a click.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from bot.data import load_yaml

#: Similarity (0-100, token_sort_ratio of the keys) from which a name alone joins ...
JOIN_AT = 92.0
#: ... and from which two names are proposed to staff as possibly the same organisation.
PROPOSE_AT = 80.0
#: Two words count as the same word (a typo) from this similarity on.
SAME_WORD_AT = 80.0
#: Keys shorter than this join only when equal: "mba" and "mdba" are 86 % alike and not the same.
MIN_FUZZY_KEY = 8

# Articles, prepositions and conjunctions of en, fr, de, es, pt and ar (transliterated "al"/"el"
# too): they come and go as people type a name. Accents and case are already gone here.
_PARTICLES = frozenset(
    "the of and for a an at in on "
    "le la les l de du des d et en au aux pour sur "
    "der die das des dem den von vom zu zur zum und fur im am an "
    "el los las del y e para al "
    "o os as do da dos das em no na nos nas "
    "و في ل من".split()
)
# Arabic article and its fused forms (wa- "and", bi- "with", li- "for"): a prefix of the word.
_ARABIC_ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": None})

# Legal forms as word sequences after punctuation became spaces ("e.V." -> "e v"). Only forms:
# "Stiftung", "Verein" or "Association" tell organisations apart and stay.
_LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in sorted(
        [
            "e v", "ev", "e k", "ggmbh", "gmbh", "g gmbh", "mbh", "ag", "kg", "ug", "gbr", "eg",
            "ltd", "limited", "inc", "incorporated", "llc", "plc", "corp", "cic",
            "s a", "sa", "s a s", "sas", "s a r l", "sarl", "s l", "sl", "s a de c v", "sa de cv",
            "s c", "asbl", "a s b l", "vzw", "ltda", "lda", "s a u", "sau", "aisbl",
            "ش م م", "ش م ع", "ذ م م",
        ],
        key=lambda form: -len(form.split()),  # longest first: "s a de c v" before "s a"
    )
)
# Institution words read as one concept across the languages (and their usual abbreviations).
_CONCEPTS = {
    "univ": "university universite universitat universidad universidade universita uni univ "
            "جامعه",
    "museum": "museum musee museo museu museen musees museos museus mus متحف",
    "library": "library bibliotheque biblioteca bibliothek bibliotheek bib bibl مكتبه",
    "archive": "archive archives archivo archivos archiv archive arquivo arquivos archivio arch ارشيف",
    "national": "national nationale nacional nazionale natl nac",
    "foundation": "foundation fondation fundacion fundacao fundacio stiftung",
    "association": "association asociacion associacao associacio",
    "institute": "institute institut instituto istituto inst",
}
_CONCEPT_OF = {word: concept for concept, words in _CONCEPTS.items() for word in words.split()}
_POSSESSIVE = re.compile(r"(\w)['’]s\b")
_APOSTROPHES = re.compile(r"['’`´ʼ]")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


class Verdict(str, Enum):
    """What to do with two records: join them, propose them to staff, or leave them apart."""

    JOIN = "join"
    PROPOSE = "propose"
    NONE = "none"


@dataclass(frozen=True)
class Record:
    """What matching knows of an organisation: a name, and the rest when known."""

    name: str
    country: str | None = None
    type: str | None = None
    #: The website domain (from a contact e-mail, see `organisation_domain`), never webmail.
    domain: str | None = None
    wikidata_id: str | None = None


#: Why two records are or are not one organisation, as stored with a proposal (English; the
#: console shows them in the viewer's language through integrations.console.recorded).
REASONS: dict[str, str] = {
    "same_item": "same Wikidata item {item}",
    "different_items": "different Wikidata items",
    "same_domain": "same e-mail domain {domain}",
    "same_domain_elsewhere": "same e-mail domain {domain}, different countries",
    "different_countries": "different countries",
    "no_name": "no name",
    "different_numbers": "different numbers in the names",
    "alike_other_types": "names {score} % alike, but different types",
    "alike": "names {score} % alike",
    "contains": "one name contains the other",
    "initials": "one name is the other's initials",
}


@dataclass(frozen=True)
class Match:
    """A verdict with its score (0-100) and why, in words staff read (REASONS)."""

    verdict: Verdict
    score: float
    reason: str


@dataclass(frozen=True)
class Key:
    """A name's matching key: its words after folding (`words`, for initials) and after dropping
    particles and legal forms and reading concepts (`tokens`, joined in `text`)."""

    text: str
    tokens: tuple[str, ...]
    words: tuple[str, ...]


def fold(name: str) -> str:
    """Casefold, drop accents and Arabic vowel marks, unify Arabic letter variants, punctuation
    to spaces: "L'Université d'Évry!" -> "l universite d evry"."""
    text = _POSSESSIVE.sub(r"\1s", name.casefold())
    text = _APOSTROPHES.sub(" ", text).translate(_ARABIC_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return " ".join("".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in bare).split())


@cache
def matching_key(name: str) -> Key:
    """The key two spellings of one organisation share; see the module's docstring."""
    words = tuple(_without_arabic_article(w) for w in fold(name).split())
    tokens = _without_legal_forms(words) or words
    kept = tuple(t for t in tokens if t not in _PARTICLES) or tokens
    concepts = tuple(_CONCEPT_OF.get(t, t) for t in kept)
    return Key(" ".join(concepts), concepts, tuple(t for t in tokens if t not in _PARTICLES))


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0-100: the token-sorted ratio of their keys (word order, case,
    accents, articles and legal forms do not count)."""
    return float(fuzz.token_sort_ratio(matching_key(a).text, matching_key(b).text, processor=None))


def organisation_domain(email: str | None) -> str | None:
    """The domain of a contact e-mail when it can be the organisation's (lower-cased, no
    "www."); None for webmail, a malformed address or none. The address itself is never kept."""
    if not email or email.count("@") != 1:
        return None
    domain = email.rpartition("@")[2].strip().strip(".").lower().removeprefix("www.")
    if not _DOMAIN.match(domain) or domain in mail_domains()[0] or _reserved(domain):
        return None
    return domain


def _reserved(domain: str) -> bool:
    """Whether `domain` is reserved for examples and tests (mail_domains.yml `reserved`)."""
    return any(domain.endswith(name) if name.startswith(".") else domain == name or domain.endswith("." + name)
               for name in _reserved_domains())


@cache
def _reserved_domains() -> tuple[str, ...]:
    data = load_yaml((Path(__file__).with_name("mail_domains.yml")).read_text(encoding="utf-8"))
    return tuple(data.get("reserved") or ())


@cache
def mail_domains() -> tuple[frozenset[str], frozenset[str]]:
    """(webmail, shared) domains of mail_domains.yml: the one list of them."""
    data = load_yaml((Path(__file__).with_name("mail_domains.yml")).read_text(encoding="utf-8"))
    return frozenset(data["webmail"]), frozenset(data["shared"])


def decide(a: Record, b: Record) -> Match:
    """Whether two records are one organisation: JOIN (confident), PROPOSE (ask staff), NONE."""
    if a.wikidata_id and b.wikidata_id:
        if a.wikidata_id == b.wikidata_id:
            return Match(Verdict.JOIN, 100.0, REASONS["same_item"].format(item=a.wikidata_id))
        return Match(Verdict.NONE, 0.0, REASONS["different_items"])
    same_country = (a.country or None) == (b.country or None)
    webmail, shared = mail_domains()
    if a.domain and a.domain == b.domain and a.domain not in shared and a.domain not in webmail:
        if same_country or not (a.country and b.country):
            return Match(Verdict.JOIN, 100.0, REASONS["same_domain"].format(domain=a.domain))
        return Match(Verdict.PROPOSE, 90.0, REASONS["same_domain_elsewhere"].format(domain=a.domain))
    if not same_country:
        return Match(Verdict.NONE, 0.0, REASONS["different_countries"])
    return _by_name(a, b)


def _by_name(a: Record, b: Record) -> Match:
    ka, kb = matching_key(a.name), matching_key(b.name)
    if not ka.text or not kb.text:
        return Match(Verdict.NONE, 0.0, REASONS["no_name"])
    types_differ = bool(a.type and b.type and a.type != b.type and "other" not in (a.type, b.type))
    if _numbers(ka) != _numbers(kb):  # "Paris 1" and "Paris 8" are two universities
        return Match(Verdict.NONE, 0.0, REASONS["different_numbers"])
    score = float(fuzz.token_sort_ratio(ka.text, kb.text, processor=None))
    percent = f"{score:.0f}"
    # "National-Bibliothek" and "Nationalbibliothek": one compound, written apart or together.
    same = ka.text == kb.text or "".join(ka.words) == "".join(kb.words)
    if same or (score >= JOIN_AT and min(len(ka.text), len(kb.text)) >= MIN_FUZZY_KEY
                              and _every_word_matched(ka.tokens, kb.tokens)):
        if types_differ:
            return Match(Verdict.PROPOSE, score, REASONS["alike_other_types"].format(score=percent))
        return Match(Verdict.JOIN, score, REASONS["alike"].format(score=percent))
    if score >= PROPOSE_AT:
        return Match(Verdict.PROPOSE, score, REASONS["alike"].format(score=percent))
    if _contains(ka, kb) or _contains(kb, ka):
        return Match(Verdict.PROPOSE, score, REASONS["contains"])
    if _acronym(ka, kb) or _acronym(kb, ka):
        return Match(Verdict.PROPOSE, score, REASONS["initials"])
    return Match(Verdict.NONE, score, REASONS["alike"].format(score=percent))


def _without_arabic_article(word: str) -> str:
    for prefix in _ARABIC_ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


def _without_legal_forms(words: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(words):
        form = next((f for f in _LEGAL_FORMS if words[i:i + len(f)] == f), None)
        # Never the first word: "AG Stadtgeschichte" is a working group (Arbeitsgemeinschaft),
        # "Stadtwerke AG" a company.
        if form is not None and i > 0:
            i += len(form)
            continue
        out.append(words[i])
        i += 1
    return tuple(out)


def _numbers(key: Key) -> frozenset[str]:
    return frozenset(t for t in key.tokens if t.isdigit())


def _every_word_matched(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Each word of either name has a counterpart in the other, exact or a typo away: a high
    overall score with one word swapped ("Lyon" for "Nantes") is two organisations."""
    def covered(xs: tuple[str, ...], ys: tuple[str, ...]) -> bool:
        return all(any(fuzz.ratio(x, y) >= SAME_WORD_AT for y in ys) for x in xs)
    return covered(a, b) and covered(b, a)


def _contains(small: Key, big: Key) -> bool:
    """All words of the shorter name are in the longer, and the shorter says enough on its own
    (two words, or one distinctive word): "Museo del Prado" in "Museo Nacional del Prado"."""
    if len(small.tokens) >= len(big.tokens) or not set(small.tokens) <= set(big.tokens):
        return False
    distinctive = [t for t in small.tokens if t not in _CONCEPTS and len(t) >= 3]
    return bool(distinctive)


def _acronym(short: Key, long: Key) -> bool:
    """"BnF" for "Bibliothèque nationale de France", "UNAM" for "Universidad Nacional Autónoma de
    México": the initials of the long name's words (particles left out)."""
    if len(short.words) != 1 or len(long.words) < 2:
        return False
    letters = short.words[0]
    return 2 <= len(letters) <= 8 and letters == "".join(w[0] for w in long.words)
