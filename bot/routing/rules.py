"""The routing rules of data/routing.yml, loaded and validated into frozen objects.

Pure: reads one YAML file. Errors name the rule or key at fault.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.intake.model import OrganizationType, PartnershipType

from .directory import Directory
from .topics import Lexicon

#: Rules the engine implements against the directory (every other rule is a fixed route).
DIRECTORY_RULES = frozenset(
    {
        "continuity",
        "thematic:topic",
        "thematic:language",
        "country:chapter",
        "country:language-community",
        "country:user-group",
        "language-community",
        "fallback",
    }
)
_FIXED_KEYS = {"id", "affiliate", "partnership_types", "organization_types",
               "except_organization_types", "countries", "reason"}
_DIRECTORY_KEYS = {"id", "topics"}
_PARTNERSHIP_TYPES = frozenset(p.value for p in PartnershipType)
_ORGANIZATION_TYPES = frozenset(o.value for o in OrganizationType)

#: The headline of a fixed route whose `reason` the rules file leaves out.
DEFAULT_REASON = "{name} handles this kind of partnership."


@dataclass(frozen=True)
class Rule:
    """One row of the rules table. Fixed routes have `affiliate`; directory rules do not."""

    id: str
    affiliate: str | None = None
    partnership_types: frozenset[str] = frozenset()
    organization_types: frozenset[str] = frozenset()
    except_organization_types: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    topics: tuple[str, ...] = ()
    reason: str = ""

    @property
    def is_fixed(self) -> bool:
        """Whether this rule routes to a fixed affiliate (rather than searching the directory)."""
        return self.affiliate is not None


@dataclass(frozen=True)
class Rules:
    """The validated rules table, partnership-type topics, keyword lexicon and fallback."""

    rules: tuple[Rule, ...]
    partnership_topics: Mapping[str, tuple[str, ...]]
    lexicon: Lexicon
    fallback_affiliate: str
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "partnership_topics", MappingProxyType(dict(self.partnership_topics)))
        object.__setattr__(self, "_by_id", MappingProxyType({r.id: r for r in self.rules}))

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError naming it if there is none."""
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise KeyError(f"unknown rule id {rule_id!r}") from None

    def topics_of(self, partnership_type: str) -> tuple[str, ...]:
        """The user-group topics of a partnership type, in order of preference (may be empty)."""
        return self.partnership_topics.get(str(getattr(partnership_type, "value", partnership_type)), ())

    def affiliate_ids(self) -> frozenset[str]:
        """Every affiliate id the rules name."""
        return frozenset({self.fallback_affiliate} | {r.affiliate for r in self.rules if r.affiliate})

    def validate_against(self, directory: Directory) -> None:
        """ValueError if the rules name an affiliate or a country the directory does not know."""
        for rule in self.rules:
            if rule.affiliate is not None and rule.affiliate not in directory:
                raise ValueError(f"rule {rule.id!r}: unknown affiliate id {rule.affiliate!r}")
            for code in sorted(rule.countries):
                if directory.country(code) is None:
                    raise ValueError(f"rule {rule.id!r}: unknown country code {code!r}")
        if self.fallback_affiliate not in directory:
            raise ValueError(f"fallback_affiliate: unknown affiliate id {self.fallback_affiliate!r}")


def load_rules(path: Path, *, directory: Directory | None = None) -> Rules:
    """Load and validate data/routing.yml; with `directory`, also check affiliate and country ids.

    Raises ValueError for a malformed file, an unknown or duplicate rule id, a misplaced
    `fallback`, unknown partnership or organisation types, or (with `directory`) unknown ids.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    fallback = raw.get("fallback_affiliate")
    if not isinstance(fallback, str) or not fallback:
        raise ValueError(f"{path.name}: fallback_affiliate must be an affiliate id")
    rules = Rules(
        rules=_parse_rules(raw.get("rules"), path.name),
        partnership_topics=_parse_partnership_topics(raw.get("partnership_topics") or {}, path.name),
        lexicon=_parse_lexicon(raw.get("topic_lexicon") or {}, path.name),
        fallback_affiliate=fallback,
    )
    if directory is not None:
        rules.validate_against(directory)
    return rules


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _enum_set(value: Any, allowed: frozenset[str], where: str) -> frozenset[str]:
    items = frozenset(_str_list(value, where))
    unknown = sorted(items - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown value(s) {', '.join(unknown)}")
    return items


def _parse_rules(raw: Any, filename: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{filename}: rules must be a non-empty list")
    out: list[Rule] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError(f"{filename}: rule #{index} needs an id")
        rule_id = item["id"]
        where = f"{filename}: rule #{index} ({rule_id!r})"
        if any(r.id == rule_id for r in out):
            raise ValueError(f"{where}: duplicate rule id")
        out.append(_parse_rule(item, where))
    if out[-1].id != "fallback":
        raise ValueError(f"{filename}: the last rule must be 'fallback', not {out[-1].id!r}")
    return tuple(out)


def _parse_rule(item: dict[str, Any], where: str) -> Rule:
    rule_id = item["id"]
    if "affiliate" not in item:
        if rule_id not in DIRECTORY_RULES:
            raise ValueError(
                f"{where}: unknown rule id (expected one of {', '.join(sorted(DIRECTORY_RULES))}, "
                "or a fixed route with 'affiliate')"
            )
        extra = sorted(set(item) - _DIRECTORY_KEYS)
        if extra:
            raise ValueError(f"{where}: unexpected key(s) {', '.join(extra)}")
        topics = _str_list(item.get("topics"), f"{where} topics")
        if rule_id == "country:user-group" and not topics:
            raise ValueError(f"{where}: needs the topics a user group must work on")
        return Rule(id=rule_id, topics=topics)
    if rule_id in DIRECTORY_RULES:
        raise ValueError(f"{where}: {rule_id!r} is a directory rule and takes no affiliate")
    extra = sorted(set(item) - _FIXED_KEYS)
    if extra:
        raise ValueError(f"{where}: unexpected key(s) {', '.join(extra)}")
    affiliate = item["affiliate"]
    if not isinstance(affiliate, str) or not affiliate:
        raise ValueError(f"{where}: affiliate must be an affiliate id")
    ptypes = _enum_set(item.get("partnership_types"), _PARTNERSHIP_TYPES, f"{where} partnership_types")
    if not ptypes:
        raise ValueError(f"{where}: a fixed route needs partnership_types")
    countries = frozenset(_str_list(item.get("countries"), f"{where} countries"))
    bad = sorted(c for c in countries if not re.fullmatch(r"[A-Z]{2}", c))
    if bad:
        raise ValueError(f"{where}: countries must be ISO alpha-2 codes, got {', '.join(bad)}")
    reason = item.get("reason") or DEFAULT_REASON
    try:
        reason.format(name="", country="")
    except (AttributeError, KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"{where}: reason must be text using only {{name}} and {{country}}") from exc
    return Rule(
        id=rule_id,
        affiliate=affiliate,
        partnership_types=ptypes,
        organization_types=_enum_set(item.get("organization_types"), _ORGANIZATION_TYPES,
                                     f"{where} organization_types"),
        except_organization_types=_enum_set(item.get("except_organization_types"), _ORGANIZATION_TYPES,
                                            f"{where} except_organization_types"),
        countries=countries,
        reason=reason,
    )


def _parse_partnership_topics(raw: Any, filename: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ValueError(f"{filename}: partnership_topics must be a mapping")
    unknown = sorted(set(map(str, raw)) - _PARTNERSHIP_TYPES)
    if unknown:
        raise ValueError(f"{filename}: partnership_topics: unknown partnership type(s) {', '.join(unknown)}")
    return {k: _str_list(v, f"{filename}: partnership_topics.{k}") for k, v in raw.items()}


def _parse_lexicon(raw: Any, filename: str) -> Lexicon:
    where = f"{filename}: topic_lexicon"
    if not isinstance(raw, dict) or not isinstance(raw.get("topics", {}), dict):
        raise ValueError(f"{where} must be a mapping with 'topics'")
    topics: dict[str, dict[str, tuple[str, ...]]] = {}
    for topic, by_lang in (raw.get("topics") or {}).items():
        if not isinstance(by_lang, dict):
            raise ValueError(f"{where}.topics.{topic} must map languages to keyword lists")
        for lang in by_lang:
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"{where}.topics.{topic}: {lang!r} is not an ISO 639 code")
        topics[str(topic)] = {
            lang: _str_list(words, f"{where}.topics.{topic}.{lang}") for lang, words in by_lang.items()
        }
    fallback = raw.get("fallback_language", "en")
    if not isinstance(fallback, str) or not re.fullmatch(r"[a-z]{2,3}", fallback):
        raise ValueError(f"{where}.fallback_language: {fallback!r} is not an ISO 639 code")
    return Lexicon(topics=topics, fallback_language=fallback)
