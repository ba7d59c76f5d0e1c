"""Is this Wikidata item the organisation? Reading the Action API's answers, and the judgement.

Pure: no network, no database. The delivery worker (integrations/wikidata/client.py) asks
Wikidata's MediaWiki Action API `wbsearchentities` for the organisation's name in the partner's
language, then `wbgetentities` for the candidates (labels, aliases, claims, the Commons sitelink)
and for their countries (P297, the ISO code); this module reads those JSON answers and decides.

A candidate is **confident** only when its country (P17) agrees with the record's, no class of
it (P31) names another organisation type, and either
- a label or alias is the record's name (bot.organisations.matching's JOIN on the names alone:
  the high threshold, every word accounted for) and its type agrees (same type, or one of the
  compatible pairs in wikidata_types.yml), or
- its official website (P856) is on the record's website domain (from the partner's e-mail):
  strong evidence that stands in for an unknown type and lets a close name do (matching's
  PROPOSE band: "BnF" for "Bibliothèque nationale de France"), but never overrides a country or
  a type that disagree.
An item whose classes are all unknown to wikidata_types.yml is "type unknown": alone, not
confident. When several candidates are confident, none is taken (unless exactly one of them has
the website evidence): a wrong item would join two organisations' histories.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.data import load_yaml
from bot.organisations.matching import Record, Verdict, decide

#: Wikidata properties read here.
INSTANCE_OF, COUNTRY, OFFICIAL_WEBSITE, COMMONS_CATEGORY, ISO_3166_1_ALPHA_2 = "P31", "P17", "P856", "P373", "P297"
COMMONS_SITE = "commonswiki"
#: Types that say nothing of what kind of organisation Wikidata would list.
_UNTYPED = frozenset({None, "", "other", "individual"})


class MalformedAnswer(ValueError):
    """The API answered JSON that is not the shape it documents (or no JSON at all)."""


@dataclass(frozen=True)
class Candidate:
    """What one Wikidata item says of itself, read from `wbgetentities`."""

    id: str
    #: The label in the partner's language, else English, else any language asked for.
    label: str | None
    #: Every label and alias read, in the languages asked for (for matching the name).
    names: tuple[str, ...]
    classes: frozenset[str]
    country_items: tuple[str, ...]
    website: str | None
    commons_category: str | None


@dataclass(frozen=True)
class Judgement:
    """Whether a candidate is the organisation, and why (in words staff and logs read)."""

    confident: bool
    reason: str
    #: Its official website is on the record's own domain.
    website_agrees: bool = False


@dataclass(frozen=True)
class Identification:
    """The item a lookup settled on (confident), with what the record keeps of it."""

    item_id: str
    label: str | None
    website: str | None
    commons_category: str | None
    reason: str


# -- reading the API's answers ---------------------------------------------------------------


def api_error(answer: Any) -> str | None:
    """The error code of an API answer ({"error": {"code": "maxlag", ...}}), None when none."""
    if not isinstance(answer, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    error = answer.get("error")
    if error is None:
        return None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code else "unknown-error"


def search_ids(answer: Any) -> list[str]:
    """The item ids a `wbsearchentities` answer lists, best first."""
    results = answer.get("search") if isinstance(answer, dict) else None
    if not isinstance(results, list) or not all(isinstance(r, dict) and _is_item_id(r.get("id")) for r in results):
        raise MalformedAnswer("wbsearchentities: no list of items under 'search'")
    return list(dict.fromkeys(str(r["id"]) for r in results))


def candidates(answer: Any, *, languages: Iterable[str]) -> list[Candidate]:
    """The items of a `wbgetentities` answer (missing and redirected-away ones left out)."""
    entities = answer.get("entities") if isinstance(answer, dict) else None
    if not isinstance(entities, dict):
        raise MalformedAnswer("wbgetentities: no object under 'entities'")
    order = list(languages)
    found = []
    for key, entity in entities.items():
        if not isinstance(entity, dict):
            raise MalformedAnswer(f"wbgetentities: entity {key!r} is not an object")
        if "missing" in entity or not _is_item_id(entity.get("id")):
            continue
        labels = _texts(entity.get("labels"))
        aliases = [alias for values in _dict(entity.get("aliases")).values() if isinstance(values, list)
                   for alias in _texts({str(i): v for i, v in enumerate(values)}).values()]
        claims = _dict(entity.get("claims"))
        label = next((labels[lang] for lang in order if lang in labels), None) or next(iter(labels.values()), None)
        commons = _first(claims, COMMONS_CATEGORY) or _category_sitelink(entity)
        found.append(Candidate(
            id=str(entity["id"]), label=label, names=tuple(dict.fromkeys([*labels.values(), *aliases])),
            classes=frozenset(_item_values(claims, INSTANCE_OF)), country_items=tuple(_item_values(claims, COUNTRY)),
            website=_first(claims, OFFICIAL_WEBSITE), commons_category=commons,
        ))
    return found


def country_codes(answer: Any) -> dict[str, str]:
    """{country item id: ISO 3166-1 alpha-2 code} from a `wbgetentities` answer on countries."""
    entities = answer.get("entities") if isinstance(answer, dict) else None
    if not isinstance(entities, dict):
        raise MalformedAnswer("wbgetentities: no object under 'entities'")
    codes = {}
    for key, entity in entities.items():
        code = _first(_dict(entity.get("claims")) if isinstance(entity, dict) else {}, ISO_3166_1_ALPHA_2)
        if code and len(code) == 2 and code.isalpha():
            codes[key] = code.upper()
    return codes


# -- the judgement ---------------------------------------------------------------------------


def judge(record: Record, candidate: Candidate, countries: Mapping[str, str]) -> Judgement:
    """Whether `candidate` is the organisation of `record` (see the module's docstring)."""
    item_countries = {countries[q] for q in candidate.country_items if q in countries}
    if not record.country or record.country not in item_countries:
        where = ", ".join(sorted(item_countries)) or "no known country"
        return Judgement(False, f"{candidate.id}: country {where}, not {record.country or 'known'}")
    types = item_types(candidate.classes)
    wanted = None if record.type in _UNTYPED else record.type
    if wanted is not None and types and not (types & compatible_types(wanted)):
        return Judgement(False, f"{candidate.id}: a {'/'.join(sorted(types))}, not a {wanted}")
    type_agrees = wanted is not None and bool(types & compatible_types(wanted))
    name = _name_verdict(record.name, candidate.names)
    website = website_agrees(candidate.website, record.domain)
    if website and name is not Verdict.NONE:
        return Judgement(True, f"{candidate.id}: official website on {record.domain}, country and name agree",
                         website_agrees=True)
    if name is Verdict.JOIN and type_agrees:
        return Judgement(True, f"{candidate.id}: name, country and type agree")
    if name is Verdict.JOIN:
        return Judgement(False, f"{candidate.id}: name and country agree, type unknown")
    return Judgement(False, f"{candidate.id}: the name is not the organisation's")


def choose(record: Record, found: Iterable[Candidate], countries: Mapping[str, str]) -> tuple[
        Identification | None, list[Judgement]]:
    """The one confident candidate, if exactly one is (or exactly one of those has the website
    evidence); with every judgement, for the log."""
    judged = [(c, judge(record, c, countries)) for c in found]
    confident = [(c, j) for c, j in judged if j.confident]
    if len(confident) > 1:
        confident = [(c, j) for c, j in confident if j.website_agrees]
    judgements = [j for _, j in judged]
    if len(confident) != 1:
        return None, judgements
    item, judgement = confident[0]
    return Identification(item.id, item.label, item.website, item.commons_category, judgement.reason), judgements


def item_types(classes: Iterable[str]) -> frozenset[str]:
    """The organisation types whose Wikidata classes include one of `classes`."""
    of_class = _types()[0]
    return frozenset(t for q in classes for t in of_class.get(q, ()))


def compatible_types(org_type: str) -> frozenset[str]:
    """`org_type` and the types wikidata_types.yml reads as compatible with it."""
    return frozenset({org_type}) | _types()[1].get(org_type, frozenset())


def website_agrees(website: str | None, domain: str | None) -> bool:
    """Whether an official website is on the organisation's e-mail domain ("https://www.bnf.fr/"
    and "bnf.fr"; an address at "dcc.uchile.cl" and "https://www.uchile.cl")."""
    if not website or not domain:
        return False
    host = (urlsplit(website.strip()).hostname or "").lower().removeprefix("www.")
    return bool(host) and "." in host and (domain == host or domain.endswith("." + host))


@cache
def _types() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """({class id: types}, {type: compatible types}) of wikidata_types.yml."""
    data = load_yaml(Path(__file__).with_name("wikidata_types.yml").read_text(encoding="utf-8"))
    of_class: dict[str, set[str]] = {}
    for org_type, classes in data["types"].items():
        for q in classes:
            of_class.setdefault(q, set()).add(org_type)
    compatible: dict[str, set[str]] = {}
    for a, b in data["compatible"]:
        compatible.setdefault(a, set()).add(b)
        compatible.setdefault(b, set()).add(a)
    return ({q: frozenset(t) for q, t in of_class.items()}, {t: frozenset(c) for t, c in compatible.items()})


def _name_verdict(name: str, names: Iterable[str]) -> Verdict:
    """The best of matching's verdicts on the name against each label and alias, on names alone
    (country, type and domain are weighed by `judge`)."""
    verdicts = {decide(Record(name=name), Record(name=other)).verdict for other in names if other.strip()}
    return Verdict.JOIN if Verdict.JOIN in verdicts else Verdict.PROPOSE if Verdict.PROPOSE in verdicts \
        else Verdict.NONE


def _is_item_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 1 and value[0] == "Q" and value[1:].isdigit()


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _texts(values: Any) -> dict[str, str]:
    """{language or index: text} of a labels object ({"fr": {"language": "fr", "value": ...}})."""
    return {key: v["value"] for key, v in _dict(values).items()
            if isinstance(v, dict) and isinstance(v.get("value"), str) and v["value"].strip()}


def _statements(claims: dict, prop: str) -> list[dict]:
    """The statements of `prop` worth reading: preferred ones if any, else normal; never deprecated."""
    statements = [s for s in claims.get(prop) or [] if isinstance(s, dict) and s.get("rank") != "deprecated"]
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    return preferred or statements


def _values(claims: dict, prop: str) -> list[Any]:
    values = []
    for statement in _statements(claims, prop):
        snak = _dict(statement.get("mainsnak"))
        if snak.get("snaktype") == "value":
            values.append(_dict(snak.get("datavalue")).get("value"))
    return values


def _item_values(claims: dict, prop: str) -> list[str]:
    return [v["id"] for v in _values(claims, prop) if isinstance(v, dict) and _is_item_id(v.get("id"))]


def _first(claims: dict, prop: str) -> str | None:
    return next((v.strip() for v in _values(claims, prop) if isinstance(v, str) and v.strip()), None)


def _category_sitelink(entity: dict) -> str | None:
    """The Commons category the item's Commons sitelink names ("Category:Museo del Prado"), if any."""
    title = _dict(_dict(entity.get("sitelinks")).get(COMMONS_SITE)).get("title")
    if isinstance(title, str) and title.startswith("Category:"):
        return title.removeprefix("Category:").strip() or None
    return None
