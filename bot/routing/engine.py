"""The routing engine: an `Inquiry` in, an explained `Decision` out (shared/ROUTING.md).

Pure: no I/O. Every rule of the rules table is evaluated in order; the first that produces a
candidate decides, and what the later rules (and ties) would produce become the alternatives,
which always end with the fallback affiliate (and are empty when the fallback is chosen).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.intake.model import Inquiry, OrganizationType, PartnershipType

from .directory import Affiliate, AffiliateKind, Directory
from .rules import Rule, Rules
from .topics import language_name, primary_language


@dataclass(frozen=True)
class Decision:
    """Who receives the inquiry, by which rule, why, and who is next if they decline."""

    affiliate_id: str
    rule: str
    reasons: tuple[str, ...]
    alternatives: tuple[str, ...]
    wikimedia_region: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists instead of tuples)."""
        return {**asdict(self), "reasons": list(self.reasons), "alternatives": list(self.alternatives)}


@dataclass(frozen=True)
class _Facts:
    """The inquiry normalised for matching, with what the rules need alongside it."""

    directory: Directory
    rules: Rules
    organization_name: str | None
    partnership_type: str
    organization_type: str | None
    country: str | None
    region: str | None
    language: str | None
    topics: Mapping[str, tuple[str, ...]]
    accepted: str | None


#: What a rule produced: its candidates, best first, and the reasons for the first.
_Match = tuple[tuple[str, ...], tuple[str, ...]]

#: The reasons the matchers write (English, stored with the decision for staff), the one place of
#: their wording; a fixed route's first reason is its `reason` in data/routing.yml. The console
#: shows them in its viewer's language by these shapes (integrations/console/recorded.py).
#: {name}/{others}: affiliate names; {country}: Directory.country_phrase or YOUR_COUNTRY;
#: {place}: a country phrase or PLACE; {language}: an English language name, {code} its ISO code;
#: {type}: a partnership type in words; {organization_type}: an organisation type in words with
#: its article; {topic}: a thematic topic or a partnership topic (routing.yml); {region}: an
#: ISO 3166-2 code; {wikimedia_region}: a Wikimedia region's name; {why}: one of the "why_" reasons.
REASONS: dict[str, str] = {
    "continuity": "{name} has already accepted an inquiry from {organization}, so this one goes to them as well.",
    "fixed": "The partnership type is {type}.",
    "fixed_organization": "The partnership type is {type} and the organisation is {organization_type}.",
    "fixed_country": "The partnership type is {type} and the organisation is in {country}.",
    "fixed_organization_country": (
        "The partnership type is {type} and the organisation is {organization_type} "
        "and the organisation is in {country}."
    ),
    "thematic_topic": "{name} is the Wikimedia thematic organisation for {topic}.",
    "topic_words": "The organisation's name or description mentions {words}.",
    "thematic_language": "{name} is the Wikimedia thematic organisation for the {language} language.",
    "content_language": "The content is in {language} ({code}).",
    "chapter": "{name} is the Wikimedia chapter for {place}.",
    "language_community": "{name} is the Wikimedia community for {language} in {country}.",
    "first_by_id": "It comes first by id among {count} matching groups.",
    "user_group": "{name} is the Wikimedia user group for {place}.",
    "preferred": "It is preferred over {others} because {why}.",
    "other_groups": "{count} other matching groups",
    "why_region": "it declares the region {region}",
    "why_topic": "it works on {topic}",
    "why_language": "it works in {language}",
    "why_id": "its id comes first",
    "content_community": "{name} is the Wikimedia community for content in {language}.",
    "none_in_country": "No Wikimedia chapter or user group in {country} matches this inquiry.",
    "fallback": "No Wikimedia affiliate was found, so the {name} will handle this inquiry.",
    "fallback_country": "No Wikimedia affiliate was found for {country}, so the {name} will handle this inquiry.",
    "fallback_language": (
        "No Wikimedia affiliate was found for content in {language}, so the {name} will handle this inquiry."
    ),
    "fallback_country_language": (
        "No Wikimedia affiliate was found for {country} or content in {language}, so the {name} will handle "
        "this inquiry."
    ),
    "wikimedia_region": "{country} is in the Wikimedia region {wikimedia_region}.",
}
#: A region inside its country ({place} of "chapter" and "user_group").
PLACE = "{region} in {country}"
#: Stand-ins when the inquiry does not say.
YOUR_ORGANISATION = "your organisation"
YOUR_COUNTRY = "your country"


def route(
    inquiry: Inquiry, *, directory: Directory, rules: Rules, accepted_affiliate: str | None = None
) -> Decision:
    """Route an inquiry: the first matching rule decides (see ROUTING.md).

    `accepted_affiliate` is the affiliate that already accepted an inquiry from this organisation
    (rule `continuity`); an id the directory does not know is ignored.
    """
    facts = _facts(inquiry, directory, rules, accepted_affiliate)
    chosen: tuple[str, _Match] | None = None
    later: list[str] = []
    for rule in rules.rules:
        match = (_fixed if rule.is_fixed else _MATCHERS[rule.id])(rule, facts)
        if match is None or not match[0]:
            continue
        if chosen is None:
            chosen = (rule.id, match)
            later.extend(match[0][1:])
        else:
            later.extend(match[0])
    assert chosen is not None, "the fallback rule always matches"
    rule_id, (candidates, reasons) = chosen
    winner, fallback = candidates[0], rules.fallback_affiliate
    # The chain of candidates always ends with the fallback: nothing comes after it.
    alternatives: list[str] = []
    if winner != fallback:
        alternatives = [a for a in dict.fromkeys(later) if a not in (winner, fallback)] + [fallback]
    return Decision(winner, rule_id, reasons, tuple(alternatives), directory.wikimedia_region(facts.country))


def _facts(inquiry: Inquiry, directory: Directory, rules: Rules, accepted: str | None) -> _Facts:
    country = (inquiry.country or "").strip().upper() or None
    region = (inquiry.region or "").strip().upper() or None
    if region and (country is None or not region.startswith(country + "-")):
        region = None
    language = primary_language(inquiry.content_language or inquiry.language) or None
    text = " ".join(filter(None, (inquiry.organization_name, inquiry.description)))
    topics: dict[str, tuple[str, ...]] = {}
    for lang in dict.fromkeys((inquiry.language, language)):  # the partner's words, either language
        for topic, words in rules.lexicon.matches(text, lang).items():
            topics[topic] = tuple(dict.fromkeys(topics.get(topic, ()) + words))
    otype = inquiry.organization_type
    return _Facts(
        directory=directory,
        rules=rules,
        organization_name=inquiry.organization_name,
        partnership_type=PartnershipType(inquiry.partnership_type).value,
        organization_type=OrganizationType(otype).value if otype else None,
        country=country,
        region=region,
        language=language,
        topics=topics,
        accepted=accepted if accepted and accepted in directory else None,
    )


# -- one matcher per rule: candidates (best first) and the reasons for the first --------------


def _continuity(rule: Rule, f: _Facts) -> _Match | None:
    if f.accepted is None:
        return None
    name, org = f.directory.get(f.accepted).name, f.organization_name or YOUR_ORGANISATION
    return (f.accepted,), (REASONS["continuity"].format(name=name, organization=org),)


def _fixed(rule: Rule, f: _Facts) -> _Match | None:
    if (
        f.partnership_type not in rule.partnership_types
        or (rule.organization_types and f.organization_type not in rule.organization_types)
        or f.organization_type in rule.except_organization_types
        or (rule.countries and f.country not in rule.countries)
    ):
        return None
    assert rule.affiliate is not None
    country = f.directory.country_phrase(f.country) if f.country else YOUR_COUNTRY
    said = "fixed" + ("_organization" if rule.organization_types else "") + ("_country" if rule.countries else "")
    facts = REASONS[said].format(type=_words(f.partnership_type), country=country,
                                 organization_type=_a(_words(f.organization_type or "")))
    headline = rule.reason.format(name=f.directory.get(rule.affiliate).name, country=country)
    return (rule.affiliate,), (headline, facts)


def _thematic_topic(rule: Rule, f: _Facts) -> _Match | None:
    found = [a for a in f.directory.of_kind(AffiliateKind.THEMATIC_ORG) if set(a.topics) & set(f.topics)]
    if not found:
        return None
    topic = min(set(found[0].topics) & set(f.topics))
    return _ids(found), (
        REASONS["thematic_topic"].format(name=found[0].name, topic=topic),
        REASONS["topic_words"].format(words=", ".join(f.topics[topic])),
    )


def _thematic_language(rule: Rule, f: _Facts) -> _Match | None:
    found = [a for a in f.directory.of_kind(AffiliateKind.THEMATIC_ORG) if a.serves_language(f.language)]
    if not found:
        return None
    lang = language_name(f.language)
    return _ids(found), (
        REASONS["thematic_language"].format(name=found[0].name, language=lang),
        REASONS["content_language"].format(language=lang, code=f.language),
    )


def _country_chapter(rule: Rule, f: _Facts) -> _Match | None:
    found = f.directory.covering(AffiliateKind.CHAPTER, f.country, f.region)
    if len(found) != 1:  # none, or several: not decidable by country
        return None
    return (found[0].id,), (REASONS["chapter"].format(name=found[0].name, place=_place(found[0], f)),)


def _country_language_community(rule: Rule, f: _Facts) -> _Match | None:
    covering = f.directory.covering(AffiliateKind.USER_GROUP, f.country, f.region)
    found = [a for a in covering if a.serves_language(f.language)]
    if not found:
        return None
    lang = language_name(f.language)
    reasons = [
        REASONS["language_community"].format(
            name=found[0].name, language=lang, country=f.directory.country_phrase(f.country)),
        REASONS["content_language"].format(language=lang, code=f.language),
    ]
    if len(found) > 1:
        reasons.append(REASONS["first_by_id"].format(count=len(found)))
    return _ids(found), tuple(reasons)


def _country_user_group(rule: Rule, f: _Facts) -> _Match | None:
    covering = f.directory.covering(AffiliateKind.USER_GROUP, f.country, f.region)
    found = [a for a in covering if set(rule.topics) & set(a.topics)]
    if not found:
        return None
    preferred = f.rules.topics_of(f.partnership_type)

    def key(a: Affiliate) -> tuple[bool, int, bool, str]:
        rank = min((preferred.index(t) for t in a.topics if t in preferred), default=len(preferred))
        return (not a.declares(f.region), rank, f.language not in a.languages, a.id)

    found.sort(key=key)
    reasons = [REASONS["user_group"].format(name=found[0].name, place=_place(found[0], f))]
    if len(found) > 1:
        first, second = key(found[0]), key(found[1])
        why = (
            REASONS["why_region"].format(region=f.region) if first[0] != second[0]
            else REASONS["why_topic"].format(topic=preferred[first[1]]) if first[1] != second[1]
            else REASONS["why_language"].format(language=language_name(f.language)) if first[2] != second[2]
            else REASONS["why_id"]
        )
        others = found[1].name if len(found) == 2 else REASONS["other_groups"].format(count=len(found) - 1)
        reasons.append(REASONS["preferred"].format(others=others, why=why))
    return _ids(found), tuple(reasons)


def _language_community(rule: Rule, f: _Facts) -> _Match | None:
    groups = f.directory.of_kind(AffiliateKind.USER_GROUP)
    found = [a for a in groups if not a.countries and a.serves_language(f.language)]
    if not found:
        return None
    reasons = [REASONS["content_community"].format(name=found[0].name, language=language_name(f.language))]
    if f.country:
        reasons.append(REASONS["none_in_country"].format(country=f.directory.country_phrase(f.country)))
    return _ids(found), tuple(reasons)


def _fallback(rule: Rule, f: _Facts) -> _Match:
    name = f.directory.get(f.rules.fallback_affiliate).name
    country = f.directory.country_phrase(f.country) if f.country else ""
    said = "fallback" + ("_country" if f.country else "") + ("_language" if f.language else "")
    reasons = [REASONS[said].format(name=name, country=country, language=language_name(f.language))]
    region = f.directory.wikimedia_region(f.country)
    if f.country and region:
        reasons.append(REASONS["wikimedia_region"].format(country=country[:1].upper() + country[1:],
                                                          wikimedia_region=region))
    return (f.rules.fallback_affiliate,), tuple(reasons)


_MATCHERS: dict[str, Callable[[Rule, _Facts], _Match | None]] = {
    "continuity": _continuity,
    "thematic:topic": _thematic_topic,
    "thematic:language": _thematic_language,
    "country:chapter": _country_chapter,
    "country:language-community": _country_language_community,
    "country:user-group": _country_user_group,
    "language-community": _language_community,
    "fallback": _fallback,
}


def _ids(found: list[Affiliate]) -> tuple[str, ...]:
    return tuple(a.id for a in found)


def _place(affiliate: Affiliate, f: _Facts) -> str:
    country = f.directory.country_phrase(f.country)
    return PLACE.format(region=f.region, country=country) if affiliate.declares(f.region) else country


def _words(value: str) -> str:
    return value.replace("_", " ")


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"
