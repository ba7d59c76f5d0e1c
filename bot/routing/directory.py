"""The affiliate directory: data/affiliates.csv and data/countries.csv as frozen objects.

Pure: reads two CSV files, validates every row and answers lookups. Multi-valued columns are
separated by ';'.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType

AFFILIATES_FILE = "affiliates.csv"
COUNTRIES_FILE = "countries.csv"
AFFILIATE_COLUMNS = ("id", "name", "kind", "countries", "subdivisions", "languages", "topics", "website")
COUNTRY_COLUMNS = ("iso2", "iso3", "name", "wikimedia_region")
_ISO2 = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Country names that take "the" inside a sentence.
_THE = re.compile(
    r"^(United |Central African|Czech|Democratic|Dominican|Republic|Federated|British Indian|French Southern)"
    r"|Islands$|^(Bahamas|Comoros|Gambia|Maldives|Netherlands|Philippines|Seychelles)$"
)


class AffiliateKind(str, Enum):
    CHAPTER = "chapter"
    THEMATIC_ORG = "thematic_org"
    USER_GROUP = "user_group"
    FOUNDATION_TEAM = "foundation_team"


@dataclass(frozen=True)
class Affiliate:
    """One row of affiliates.csv."""

    id: str
    name: str
    kind: AffiliateKind
    countries: tuple[str, ...] = ()
    subdivisions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    website: str = ""

    def covers(self, country: str, region: str | None) -> bool:
        """Whether it covers `country`; one that declares subdivisions only for those regions."""
        if country not in self.countries:
            return False
        return not self.subdivisions or region in self.subdivisions

    def declares(self, region: str | None) -> bool:
        """Whether `region` is one of the subdivisions it declares."""
        return region is not None and region in self.subdivisions

    def serves_language(self, language: str | None) -> bool:
        """Whether it is a language community (topic `language`) for `language`."""
        return "language" in self.topics and language is not None and language in self.languages


@dataclass(frozen=True)
class Country:
    """One row of countries.csv."""

    iso2: str
    iso3: str
    name: str
    wikimedia_region: str | None


@dataclass(frozen=True)
class Directory:
    """Every affiliate and country, with the lookups routing needs."""

    affiliates: tuple[Affiliate, ...]
    countries: Mapping[str, Country]
    _by_id: Mapping[str, Affiliate] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({a.id: a for a in self.affiliates}))

    def __iter__(self) -> Iterator[Affiliate]:
        return iter(self.affiliates)

    def __len__(self) -> int:
        return len(self.affiliates)

    def __contains__(self, affiliate_id: object) -> bool:
        return affiliate_id in self._by_id

    def get(self, affiliate_id: str) -> Affiliate:
        """The affiliate with this id; KeyError naming the id if there is none."""
        try:
            return self._by_id[affiliate_id]
        except KeyError:
            raise KeyError(f"unknown affiliate id {affiliate_id!r}") from None

    def by_country(self, iso2: str) -> tuple[Affiliate, ...]:
        """Affiliates whose `countries` include iso2, in file order (subdivisions not applied)."""
        return tuple(a for a in self.affiliates if iso2 in a.countries)

    def of_kind(self, kind: AffiliateKind | str) -> list[Affiliate]:
        """Affiliates of one kind, sorted by id."""
        return sorted((a for a in self.affiliates if a.kind == kind), key=lambda a: a.id)

    def covering(self, kind: AffiliateKind | str, country: str | None, region: str | None) -> list[Affiliate]:
        """Affiliates of one kind covering a country, sorted by id; one that declares
        subdivisions only when `region` is one of them (ROUTING.md rules 10-12)."""
        if country is None:
            return []
        return [a for a in self.of_kind(kind) if a.covers(country, region)]

    def country(self, iso2: str) -> Country | None:
        """The country row, or None for an unknown code."""
        return self.countries.get(iso2)

    def country_name(self, iso2: str) -> str:
        """The English country name, or the code itself when unknown."""
        country = self.countries.get(iso2)
        return country.name if country else iso2

    def country_phrase(self, iso2: str | None) -> str:
        """The country's name as used inside a sentence: 'the United States', 'France'."""
        name = self.country_name(iso2 or "")
        return f"the {name}" if _THE.search(name) else name

    def wikimedia_region(self, iso2: str | None) -> str | None:
        """The Wikimedia region of a country (e.g. 'Northern & Western Europe'), or None."""
        country = self.countries.get(iso2) if iso2 else None
        return country.wikimedia_region if country else None

    def subdivision_countries(self) -> frozenset[str]:
        """Countries with an affiliate that declares subdivisions: where `region` is asked."""
        return _needing_region((a.countries, a.subdivisions) for a in self.affiliates)


def load_directory(data_dir: Path) -> Directory:
    """Load and validate `affiliates.csv` and `countries.csv` from `data_dir`.

    Raises ValueError naming the file and row for a missing column, a bad kind, an unknown or
    malformed country, subdivision or language code, or a duplicate id.
    """
    data_dir = Path(data_dir)
    countries = _load_countries(data_dir / COUNTRIES_FILE)
    affiliates = _load_affiliates(data_dir / AFFILIATES_FILE, countries)
    return Directory(affiliates=affiliates, countries=MappingProxyType(countries))


def countries_needing_region(data_dir: Path) -> frozenset[str]:
    """`Directory.subdivision_countries()` from affiliates.csv alone: the conversation asks for a
    region before anything is routed, and needs only these two columns."""
    rows = _rows(Path(data_dir) / AFFILIATES_FILE, ("countries", "subdivisions"))
    return _needing_region((_split(row["countries"]), _split(row["subdivisions"])) for _, row in rows)


def _needing_region(affiliates: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> frozenset[str]:
    # Every country of an affiliate that works in some regions only: its partners are asked theirs.
    return frozenset(country.upper() for countries, subdivisions in affiliates if subdivisions for country in countries)


def read_countries(data_dir: Path) -> Mapping[str, Country]:
    """countries.csv alone, validated (the vocabulary names every country, affiliate or not)."""
    return MappingProxyType(_load_countries(Path(data_dir) / COUNTRIES_FILE))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(";") if part.strip())


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _load_countries(path: Path) -> dict[str, Country]:
    countries: dict[str, Country] = {}
    for line, row in _rows(path, COUNTRY_COLUMNS):
        where = f"{path.name} line {line} ({row['iso2'] or '?'})"
        if not _ISO2.match(row["iso2"]):
            raise ValueError(f"{where}: iso2 must be two capital letters, got {row['iso2']!r}")
        if row["iso2"] in countries:
            raise ValueError(f"{where}: duplicate country {row['iso2']!r}")
        countries[row["iso2"]] = Country(
            iso2=row["iso2"],
            iso3=row["iso3"],
            name=row["name"] or row["iso2"],
            wikimedia_region=row["wikimedia_region"] or None,
        )
    return countries


def _load_affiliates(path: Path, countries: Mapping[str, Country]) -> tuple[Affiliate, ...]:
    kinds = {k.value: k for k in AffiliateKind}
    seen: dict[str, int] = {}
    out: list[Affiliate] = []
    for line, row in _rows(path, AFFILIATE_COLUMNS):
        aid = row["id"]
        where = f"{path.name} line {line} (id {aid!r})"
        if not _ID.match(aid):
            raise ValueError(f"{where}: id must be lower-case letters, digits and '-'")
        if aid in seen:
            raise ValueError(f"{where}: duplicate id, first seen on line {seen[aid]}")
        seen[aid] = line
        if not row["name"]:
            raise ValueError(f"{where}: name is empty")
        if row["kind"] not in kinds:
            raise ValueError(f"{where}: unknown kind {row['kind']!r} (expected one of {', '.join(kinds)})")
        affiliate = Affiliate(
            id=aid,
            name=row["name"],
            kind=kinds[row["kind"]],
            countries=_split(row["countries"]),
            subdivisions=_split(row["subdivisions"]),
            languages=tuple(code.lower() for code in _split(row["languages"])),
            topics=tuple(topic.lower() for topic in _split(row["topics"])),
            website=row["website"],
        )
        _check_codes(where, affiliate, countries)
        out.append(affiliate)
    return tuple(out)


def _check_codes(where: str, affiliate: Affiliate, countries: Mapping[str, Country]) -> None:
    for code in affiliate.countries:
        if code not in countries:
            raise ValueError(f"{where}: unknown country code {code!r}")
    for sub in affiliate.subdivisions:
        match = _SUBDIVISION.match(sub)
        if not match:
            raise ValueError(f"{where}: subdivision {sub!r} is not an ISO 3166-2 code")
        if match.group(1) not in affiliate.countries:
            raise ValueError(f"{where}: subdivision {sub!r} is not in its countries")
    for code in affiliate.languages:
        if not _LANGUAGE.match(code):
            raise ValueError(f"{where}: language {code!r} is not an ISO 639 code")
