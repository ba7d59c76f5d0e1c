"""Unit tests of bot.routing: the worked examples of ROUTING.md, edge cases and data validation."""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from bot.intake.model import Inquiry, Licence, OrganizationType, PartnershipType
from bot.routing import (
    DEFAULT_DATA_DIR,
    Decision,
    Directory,
    Rules,
    default_router,
    load_directory,
    load_rules,
    route,
    topics_for,
)
from bot.routing.rules import DIRECTORY_RULES
from bot.routing.topics import Lexicon

P, Org, L = PartnershipType, OrganizationType, Licence
FALLBACK = "wmf-partnerships"
RULES_FILE = DEFAULT_DATA_DIR / "routing.yml"
ROUTING_MD_ORDER = [
    "continuity",
    "team:technology-commercial",
    "team:technology",
    "team:funding",
    "team:research",
    "team:media",
    "thematic:topic",
    "thematic:language",
    "education-us-ca",
    "country:chapter",
    "country:language-community",
    "country:user-group",
    "language-community",
    "fallback",
]


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(DEFAULT_DATA_DIR)


@pytest.fixture(scope="module")
def rules(directory: Directory) -> Rules:
    return load_rules(RULES_FILE, directory=directory)


def inquiry(ptype: PartnershipType, **kwargs: object) -> Inquiry:
    return Inquiry(conversation_id="test", partnership_type=ptype, **kwargs)  # type: ignore[arg-type]


# -- the worked examples of ROUTING.md ---------------------------------------------------------

EXAMPLES: dict[str, tuple[Inquiry, str, str, tuple[str, ...]]] = {
    "lyon-museum": (
        inquiry(P.CONTENT_DONATION, organization_name="Musée de la Ville", organization_type=Org.MUSEUM,
                country="FR", licence=L.CC_BY_SA, description="2,000 photos"),
        "wm-fr", "country:chapter", ("wmf-partnerships",),
    ),
    "ireland-company": (
        inquiry(P.TECHNOLOGY, organization_name="Data Co", organization_type=Org.COMPANY, country="IE",
                description="high-volume API access to Wikipedia content"),
        "wmf-enterprise", "team:technology-commercial", ("ug-irl", "wmf-partnerships"),
    ),
    "ohio-university": (
        inquiry(P.EDUCATION, organization_name="Ohio State University", organization_type=Org.UNIVERSITY,
                country="US", region="US-OH", description="students write articles in a course"),
        "wikiedu", "education-us-ca", ("ug-us-oh", "wmf-partnerships"),
    ),
    "columbus-library": (
        inquiry(P.CONTENT_DONATION, organization_name="Columbus Metropolitan Library",
                organization_type=Org.LIBRARY, country="US", region="US-OH", licence=L.PUBLIC_DOMAIN,
                description="digitised postcards"),
        "ug-us-oh", "country:user-group", ("wmf-partnerships",),
    ),
    "barcelona-archive": (
        inquiry(P.CONTENT_DONATION, organization_name="Arxiu de Barcelona", organization_type=Org.ARCHIVE,
                country="ES", content_language="ca", licence=L.CC0, description="newspapers in Catalan"),
        "amical", "thematic:language", ("wm-es", "ug-esp-we", "wmf-partnerships"),
    ),
    "nairobi-hospital": (
        inquiry(P.CONTENT_DONATION, organization_name="Nairobi Hospital", organization_type=Org.OTHER,
                country="KE", licence=L.CC_BY, description="medical illustrations"),
        "wpmed", "thematic:topic", ("ug-wck", "wmf-partnerships"),
    ),
    "ibadan-yoruba-centre": (
        inquiry(P.EVENT, organization_name="Yoruba Cultural Centre", organization_type=Org.NONPROFIT,
                country="NG", region="NG-OY", content_language="yo", description="an edit-a-thon"),
        "ug-nga-yo", "country:language-community", ("ug-nga", "wmf-partnerships"),
    ),
    "kano-museum": (
        inquiry(P.CONTENT_DONATION, organization_name="Kano Museum", organization_type=Org.MUSEUM,
                country="NG", region="NG-KN", content_language="en", licence=L.CC_BY,
                description="photos of the collection"),
        "ug-nga", "country:user-group", ("wmf-partnerships",),
    ),
    "lagos-gallery": (
        inquiry(P.CONTENT_DONATION, organization_name="Lagos Gallery", organization_type=Org.GALLERY,
                country="NG", region="NG-LA", licence=L.CC_BY, description="photos"),
        "ug-lag", "country:user-group", ("ug-nga", "wmf-partnerships"),
    ),
    "peru-foundation": (
        inquiry(P.FUNDING, organization_name="Fundación Lima", organization_type=Org.NONPROFIT, country="PE",
                description="we want to sponsor Wikipedia"),
        "wmf-fundraising", "team:funding", ("ug-per", "wmf-partnerships"),
    ),
    "guatemala-gallery": (
        inquiry(P.CONTENT_DONATION, organization_name="Galería Nacional", organization_type=Org.GALLERY,
                country="GT", content_language="es", licence=L.CC_BY, description="paintings"),
        "ug-wsp", "language-community", ("wmf-partnerships",),
    ),
    "iceland-museum": (
        inquiry(P.CONTENT_DONATION, organization_name="Listasafn", organization_type=Org.MUSEUM, country="IS",
                content_language="is", licence=L.CC_BY, description="paintings"),
        "wmf-partnerships", "fallback", (),
    ),
    "journalist": (
        inquiry(P.MEDIA, organization_name="Daily News", organization_type=Org.MEDIA,
                description="a journalist asking for an interview"),
        "wmf-communications", "team:media", ("wmf-partnerships",),
    ),
}
WORKED_EXAMPLES = [pytest.param(*example, id=name) for name, example in EXAMPLES.items()]


@pytest.mark.parametrize(("inq", "affiliate", "rule", "alternatives"), WORKED_EXAMPLES)
def test_worked_examples(
    inq: Inquiry, affiliate: str, rule: str, alternatives: tuple[str, ...], directory: Directory, rules: Rules
) -> None:
    decision = route(inq, directory=directory, rules=rules)
    assert (decision.affiliate_id, decision.rule) == (affiliate, rule)
    assert decision.alternatives == alternatives
    assert decision.reasons and all(r.endswith(".") for r in decision.reasons)
    assert directory.get(affiliate).name in decision.reasons[0] or rule == "fallback"


def test_first_reason_names_the_facts(directory: Directory, rules: Rules) -> None:
    inq = EXAMPLES["lyon-museum"][0]
    decision = route(inq, directory=directory, rules=rules)
    assert decision.reasons[0] == "Wikimédia France is the Wikimedia chapter for France."


def test_health_reason_names_the_keywords(directory: Directory, rules: Rules) -> None:
    decision = route(EXAMPLES["nairobi-hospital"][0], directory=directory, rules=rules)
    assert "health" in decision.reasons[0]
    assert "hospital" in decision.reasons[1] and "medical" in decision.reasons[1]


# -- invariants of alternatives ----------------------------------------------------------------


def _many_inquiries() -> list[Inquiry]:
    countries = [None, "FR", "US", "NG", "IN", "ES", "KE", "IS", "GT", "IE", "CA", "RU", "BA", "ZZ"]
    regions: dict[str, list[str | None]] = {
        "US": [None, "US-OH", "US-NY", "US-TX"], "NG": [None, "NG-LA", "NG-KN"],
        "IN": [None, "IN-WB", "IN-KL"], "RU": ["RU-SPE"], "BA": ["BA-SRP"],
    }
    out = []
    languages = ["en", "ca", "yo", "bn", "es", "zz"]
    for ptype, otype, country, lang, text in itertools.product(
        P, [Org.COMPANY, Org.MUSEUM], countries, languages, ["hospital archive", "photos"]
    ):
        for region in regions.get(country or "", [None]):
            out.append(inquiry(ptype, organization_name="Org", organization_type=otype, country=country,
                               region=region, content_language=lang, description=text))
    return out


def test_alternatives_invariants(directory: Directory, rules: Rules) -> None:
    seen_rules = set()
    for inq in _many_inquiries():
        for accepted in (None, "wm-de", FALLBACK):
            d = route(inq, directory=directory, rules=rules, accepted_affiliate=accepted)
            seen_rules.add(d.rule)
            assert d.affiliate_id not in d.alternatives, inq
            assert len(set(d.alternatives)) == len(d.alternatives), inq
            assert all(a in directory for a in (d.affiliate_id, *d.alternatives))
            if d.affiliate_id == FALLBACK:
                assert d.alternatives == ()
            else:
                assert d.alternatives[-1] == FALLBACK
                assert d.alternatives.count(FALLBACK) == 1
    assert seen_rules == set(ROUTING_MD_ORDER)  # every rule was exercised


def test_team_technology_routes_to_partnerships_with_nothing_after(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.TECHNOLOGY, organization_type=Org.UNIVERSITY, country="FR"), directory=directory, rules=rules)
    assert (d.affiliate_id, d.rule, d.alternatives) == (FALLBACK, "team:technology", ())


def test_research_goes_to_research_team(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.RESEARCH, organization_type=Org.UNIVERSITY, country="DE"), directory=directory, rules=rules)
    assert (d.affiliate_id, d.rule, d.alternatives) == ("wmf-research", "team:research", ("wm-de", FALLBACK))


# -- subdivisions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "affiliate", "rule"),
    [
        ("US-NY", "wm-nyc", "country:chapter"),
        ("US-DC", "wm-dc", "country:chapter"),
        ("US-OH", "ug-us-oh", "country:user-group"),
        ("US-TX", FALLBACK, "fallback"),
        (None, FALLBACK, "fallback"),
        ("NG-LA", FALLBACK, "fallback"),  # region of another country is ignored
    ],
)
def test_chapter_with_subdivisions(
    region: str | None, affiliate: str, rule: str, directory: Directory, rules: Rules
) -> None:
    inq = inquiry(P.CONTENT_DONATION, organization_type=Org.MUSEUM, country="US", region=region, content_language="de")
    d = route(inq, directory=directory, rules=rules)
    assert (d.affiliate_id, d.rule) == (affiliate, rule)


def test_region_inside_chapter_is_said(directory: Directory, rules: Rules) -> None:
    inq = inquiry(P.EVENT, organization_type=Org.MUSEUM, country="us", region="us-ny")
    d = route(inq, directory=directory, rules=rules)
    assert d.reasons[0] == "Wikimedia New York City is the Wikimedia chapter for US-NY in the United States."


def test_kano_without_region_excludes_lagos_group(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.CONTENT_DONATION, organization_type=Org.MUSEUM, country="NG"), directory=directory, rules=rules)
    assert d.affiliate_id == "ug-nga" and "ug-lag" not in d.alternatives


def test_lagos_region_group_preferred_and_reason(directory: Directory, rules: Rules) -> None:
    d = route(EXAMPLES["lagos-gallery"][0], directory=directory, rules=rules)
    assert d.reasons[1] == ("It is preferred over Wikimedia Community User Group Nigeria "
                            "because it declares the region NG-LA.")


def test_subdivision_countries_come_from_the_csv(directory: Directory) -> None:
    assert directory.subdivision_countries() == frozenset({"US", "IN", "NG", "RU", "BA"})


# -- no country, languages, continuity, fallback region ----------------------------------------


def test_international_partner_without_country(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.CONTENT_DONATION, organization_type=Org.NONPROFIT, content_language="en"),
              directory=directory, rules=rules)
    assert (d.affiliate_id, d.rule, d.wikimedia_region) == (FALLBACK, "fallback", None)
    es = route(inquiry(P.CONTENT_DONATION, organization_type=Org.NONPROFIT, language="es"),
               directory=directory, rules=rules)
    assert (es.affiliate_id, es.rule) == ("ug-wsp", "language-community")


def test_content_language_defaults_to_conversation_language(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.CONTENT_DONATION, organization_type=Org.ARCHIVE, country="ES", language="ca"),
              directory=directory, rules=rules)
    assert d.affiliate_id == "amical"


@pytest.mark.parametrize(("country", "affiliate"), [("FR", "wm-fr"), ("IS", FALLBACK), (None, FALLBACK)])
def test_unknown_content_language(country: str | None, affiliate: str, directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.CONTENT_DONATION, organization_type=Org.MUSEUM, country=country, content_language="zz"),
              directory=directory, rules=rules)
    assert d.affiliate_id == affiliate


def test_unknown_country_code_falls_back(directory: Directory, rules: Rules) -> None:
    d = route(inquiry(P.CONTENT_DONATION, country="ZZ", content_language="is"), directory=directory, rules=rules)
    assert (d.affiliate_id, d.wikimedia_region) == (FALLBACK, None)


def test_continuity(directory: Directory, rules: Rules) -> None:
    inq = EXAMPLES["lyon-museum"][0]
    d = route(inq, directory=directory, rules=rules, accepted_affiliate="wm-de")
    assert (d.affiliate_id, d.rule) == ("wm-de", "continuity")
    assert d.alternatives == ("wm-fr", FALLBACK)
    assert "Musée de la Ville" in d.reasons[0] and "Wikimedia Deutschland" in d.reasons[0]
    same = route(inq, directory=directory, rules=rules, accepted_affiliate="wm-fr")
    assert (same.affiliate_id, same.rule, same.alternatives) == ("wm-fr", "continuity", (FALLBACK,))


def test_continuity_with_unknown_affiliate_is_ignored(directory: Directory, rules: Rules) -> None:
    d = route(EXAMPLES["lyon-museum"][0], directory=directory, rules=rules, accepted_affiliate="wm-gone")
    assert (d.affiliate_id, d.rule) == ("wm-fr", "country:chapter")


def test_fallback_records_wikimedia_region(directory: Directory, rules: Rules) -> None:
    d = route(EXAMPLES["iceland-museum"][0], directory=directory, rules=rules)
    assert d.wikimedia_region == "Northern & Western Europe"
    assert d.reasons[-1] == "Iceland is in the Wikimedia region Northern & Western Europe."
    assert d.as_dict() == {
        "affiliate_id": FALLBACK, "rule": "fallback", "reasons": list(d.reasons),
        "alternatives": [], "wikimedia_region": "Northern & Western Europe",
    }


def test_decision_is_frozen(directory: Directory, rules: Rules) -> None:
    d = route(EXAMPLES["lyon-museum"][0], directory=directory, rules=rules)
    assert isinstance(d, Decision)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.rule = "x"  # type: ignore[misc]


def test_default_router_is_cached_and_routes() -> None:
    router = default_router()
    assert router is default_router(DEFAULT_DATA_DIR)
    assert router.route(EXAMPLES["lyon-museum"][0]).affiliate_id == "wm-fr"


# -- rule 12 ordering and ties on a small directory of our own ---------------------------------

COUNTRIES_CSV = "iso2,iso3,name,wikimedia_region\nNG,NGA,Nigeria,Sub-Saharan Africa\nFR,FRA,France,X\n"
HEADER = "id,name,kind,countries,subdivisions,languages,topics,website,notes\n"
TEAM = "wmf-partnerships,Partnerships,foundation_team,,,en,technology,,\n"


def write_data(tmp_path: Path, rows: str, countries: str = COUNTRIES_CSV) -> Path:
    (tmp_path / "countries.csv").write_text(countries, encoding="utf-8")
    (tmp_path / "affiliates.csv").write_text(HEADER + rows, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("ptype", "language", "region", "expected"),
    [
        (P.DATA_DONATION, "en", None, ("ug-d", "ug-g", "ug-e", "ug-a", "ug-b")),  # data, glam, then en
        (P.CONTENT_DONATION, "en", None, ("ug-g", "ug-e", "ug-a", "ug-b", "ug-d")),  # glam, then en, then id
        (P.EVENT, "fr", None, ("ug-b", "ug-a", "ug-e", "ug-d", "ug-g")),  # events, then fr, then id
        (P.DATA_DONATION, "en", "NG-LA", ("ug-r", "ug-d", "ug-g", "ug-e", "ug-a", "ug-b")),  # region first
    ],
)
def test_user_group_preference_order(
    ptype: PartnershipType, language: str, region: str | None, expected: tuple[str, ...], tmp_path: Path
) -> None:
    rows = TEAM + (
        "ug-e,E,user_group,NG,,en,education;events,,\n"
        "ug-g,G,user_group,NG,,,glam,,\n"
        "ug-d,D,user_group,NG,,,data;education,,\n"
        "ug-b,B,user_group,NG,,fr,events,,\n"
        "ug-a,A,user_group,NG,,,events,,\n"
        "ug-r,R,user_group,NG,NG-LA,,education,,\n"
        "ug-x,X,user_group,NG,,,gender,,\n"
    )
    directory = load_directory(write_data(tmp_path, rows))
    rules = load_rules(RULES_FILE)
    d = route(inquiry(ptype, country="NG", region=region, content_language=language), directory=directory, rules=rules)
    assert (d.affiliate_id, *d.alternatives) == (*expected, FALLBACK)
    assert d.rule == "country:user-group"


def test_ties_and_duplicates_across_rules(tmp_path: Path) -> None:
    rows = TEAM + (
        "ug-yo2,Yoruba two,user_group,NG,,yo,language;glam,,\n"
        "ug-yo1,Yoruba one,user_group,NG,,yo,language,,\n"
        "ug-yo0,Yoruba abroad,user_group,,,yo,language,,\n"
    )
    directory = load_directory(write_data(tmp_path, rows))
    d = route(inquiry(P.CONTENT_DONATION, country="NG", content_language="yo"),
              directory=directory, rules=load_rules(RULES_FILE))
    assert (d.affiliate_id, d.rule) == ("ug-yo1", "country:language-community")
    assert d.alternatives == ("ug-yo2", "ug-yo0", FALLBACK)  # ug-yo2 also matches rule 12: listed once


def test_two_chapters_for_one_country_do_not_decide(tmp_path: Path) -> None:
    rows = TEAM + "wm-a,A,chapter,FR,,fr,glam,,\nwm-b,B,chapter,FR,,fr,glam,,\n"
    directory = load_directory(write_data(tmp_path, rows))
    d = route(inquiry(P.CONTENT_DONATION, country="FR"), directory=directory, rules=load_rules(RULES_FILE))
    assert d.rule == "fallback"


# -- topics ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Kenyatta National Hospital", "en", {"health"}),
        ("MÉDICAL illustrations", "en", {"health"}),  # case and accents
        ("a school of   Public\nHealth", "en", {"health"}),
        ("healthy cooking, clinicians", "en", set()),  # whole words only
        ("city museum photos", "en", set()),
        ("hospital archive", "zz", {"health"}),  # no lexicon for zz: the fallback language
        ("", "en", set()),
    ],
)
def test_topics_for(text: str, language: str, expected: set[str]) -> None:
    assert topics_for(text, language) == frozenset(expected)


def test_topics_for_other_languages_are_data() -> None:
    lexicon = Lexicon(topics={"health": {"en": ("hospital",), "fr": ("hôpital", "santé publique")}})
    assert topics_for("Hopital Saint-Louis", "fr", lexicon=lexicon) == {"health"}
    assert topics_for("Agence de SANTE publique", "fr-CA", lexicon=lexicon) == {"health"}
    assert topics_for("hospital", "fr", lexicon=lexicon) == frozenset()  # fr has its own keywords
    assert lexicon.matches("Hôpital, santé   publique", "fr") == {"health": ("hopital", "sante publique")}


# -- directory ---------------------------------------------------------------------------------


def test_directory_lookups(directory: Directory) -> None:
    assert len(directory) == 169
    wm_fr = directory.get("wm-fr")
    assert (wm_fr.name, wm_fr.kind, wm_fr.countries, wm_fr.languages) == ("Wikimédia France", "chapter", ("FR",), ("fr",))
    assert {a.id for a in directory.by_country("NG")} >= {"ug-nga", "ug-lag", "ug-nga-yo"}
    assert directory.get("ug-nwr-hist").subdivisions[0] == "RU-SPE"
    assert directory.wikimedia_region("FR") == "Northern & Western Europe"
    assert directory.wikimedia_region("AQ") is None and directory.wikimedia_region(None) is None
    assert directory.country_phrase("US") == "the United States" and directory.country_phrase("FR") == "France"
    with pytest.raises(KeyError, match="wm-nope"):
        directory.get("wm-nope")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("wm-x,X,chaptr,FR,,,,,\n", r"line 3 \(id 'wm-x'\): unknown kind 'chaptr'"),
        ("wm-x,X,chapter,XX,,,,,\n", r"line 3 \(id 'wm-x'\): unknown country code 'XX'"),
        ("wmf-partnerships,Again,foundation_team,,,,,,\n", r"line 3 .*duplicate id, first seen on line 2"),
        ("wm-x,X,chapter,FR,NG-LA,,,,\n", r"subdivision 'NG-LA' is not in its countries"),
        ("wm-x,X,chapter,FR,Paris,,,,\n", r"subdivision 'Paris' is not an ISO 3166-2 code"),
        ("wm-x,X,chapter,FR,,French,,,\n", r"language 'french' is not an ISO 639 code"),
        ("wm-x,,chapter,FR,,,,,\n", r"name is empty"),
        ("WM X,X,chapter,FR,,,,,\n", r"id must be"),
    ],
)
def test_directory_validation_errors(rows: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        load_directory(write_data(tmp_path, TEAM + rows))


def test_directory_missing_column_and_bad_country(tmp_path: Path) -> None:
    (tmp_path / "countries.csv").write_text(COUNTRIES_CSV, encoding="utf-8")
    (tmp_path / "affiliates.csv").write_text("id,name,kind\nwm-x,X,chapter\n", encoding="utf-8")
    with pytest.raises(ValueError, match="affiliates.csv: missing column"):
        load_directory(tmp_path)
    with pytest.raises(ValueError, match="countries.csv line 3 .*duplicate country 'NG'"):
        load_directory(write_data(tmp_path, TEAM, COUNTRIES_CSV.replace("FR,FRA", "NG,NGA")))


# -- rules -------------------------------------------------------------------------------------


def test_rules_file_matches_routing_md(rules: Rules) -> None:
    assert [r.id for r in rules.rules] == ROUTING_MD_ORDER
    assert rules.fallback_affiliate == FALLBACK
    assert rules.topics_of("data_donation") == ("data", "glam")
    assert dict(rules.partnership_topics) == {"content_donation": ("glam",), "data_donation": ("data", "glam"),
                                              "education": ("education",), "event": ("events",)}
    assert rules.rule("team:technology-commercial").affiliate == "wmf-enterprise"
    assert rules.rule("country:user-group").topics == ("glam", "data", "education", "events")
    assert "hospital" in rules.lexicon.topics["health"]["en"]
    assert rules.affiliate_ids() == {FALLBACK, "wmf-enterprise", "wmf-fundraising", "wmf-research",
                                     "wmf-communications", "wikiedu"}
    assert {r.id for r in rules.rules if not r.is_fixed} == DIRECTORY_RULES


def _rules_text(**replacements: str) -> str:
    text = RULES_FILE.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - id: thematic:topic\n", "  - id: thematic:colour\n", r"rule #7 \('thematic:colour'\): unknown rule id"),
        ("  - id: thematic:topic\n", "  - id: country:chapter\n", r"'country:chapter'\): duplicate rule id"),
        ("  - id: fallback\n", "", "the last rule must be 'fallback'"),
        ("partnership_types: [funding]", "partnership_types: [money]", "unknown value.*money"),
        ("organization_types: [company]", "organization_types: [firm]", "unknown value.*firm"),
        ("countries: [US, CA]", "countries: [USA]", "ISO alpha-2"),
        ("reason: \"{name} handles research collaborations.\"", "reason: \"{team} does research.\"",
         r"\{name\} and \{country\}"),
        ("  data_donation: [data, glam]", "  donation: [data]", "unknown partnership type"),
        ("      en:\n", "      English:\n", "'English' is not an ISO 639 code"),
        ("fallback_affiliate: wmf-partnerships", "fallback_affiliate:", "fallback_affiliate must be"),
        ("  - id: continuity\n", "  - id: continuity\n    affiliate: wm-fr\n", "directory rule"),
        ("    topics: [glam, data, education, events]\n", "", "needs the topics"),
        ("  - id: continuity\n", "  - id: continuity\n    colour: red\n", "unexpected key"),
    ],
)
def test_rules_loading_errors(old: str, new: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "routing.yml"
    path.write_text(_rules_text(**{old: new}), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rules(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("affiliate: wmf-research", "affiliate: wmf-nobody", "rule 'team:research': unknown affiliate id 'wmf-nobody'"),
        ("fallback_affiliate: wmf-partnerships", "fallback_affiliate: wmf-gone", "fallback_affiliate: unknown"),
        ("countries: [US, CA]", "countries: [US, QQ]", "unknown country code 'QQ'"),
    ],
)
def test_rules_affiliate_ids_checked_against_directory(
    old: str, new: str, message: str, tmp_path: Path, directory: Directory
) -> None:
    path = tmp_path / "routing.yml"
    path.write_text(_rules_text(**{old: new}), encoding="utf-8")
    load_rules(path)  # fine without a directory
    with pytest.raises(ValueError, match=message):
        load_rules(path, directory=directory)


def test_rules_file_must_be_yaml_mapping(tmp_path: Path) -> None:
    path = tmp_path / "routing.yml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping at the top level"):
        load_rules(path)
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_rules(path)
