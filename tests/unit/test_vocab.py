"""The vocabulary normalisers (bot/vocab): examples, bad input, and data consistency."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.intake.model import Licence, OrganizationType, PartnershipType
from bot.vocab import (
    city_location,
    countries_needing_region,
    country_codes,
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_licence,
    normalize_organization_type,
    normalize_partnership_type,
    normalize_person_name,
    normalize_region,
)
from bot.vocab.regions import subdivisions
from bot.vocab.text import clean, fold, load_data, load_terms, strip_tags, words

DATA = Path(__file__).resolve().parents[2] / "data"

BAD_INPUTS = [
    "",
    "   ",
    "🙂🙂",
    "<script>alert(1)</script>",
    "'; DROP TABLE inquiries; --",
    "x" * 10_000,
    "a" * 3_000 + " " + "b" * 7_000,
    None,
    42,
]

NORMALISERS = [
    normalize_country,
    lambda text: normalize_country(text, "es"),
    lambda text: normalize_region(text, "US"),
    lambda text: normalize_region(text, None),
    city_location,
    normalize_organization_type,
    normalize_partnership_type,
    normalize_licence,
    normalize_language,
    normalize_email,
    normalize_person_name,
]


@pytest.mark.parametrize("normalise", NORMALISERS)
@pytest.mark.parametrize("text", BAD_INPUTS, ids=lambda t: repr(t)[:20])
def test_bad_input_gives_none(normalise, text):
    assert normalise(text) is None


# -- text helpers ------------------------------------------------------------------------
def test_fold_and_words():
    assert fold("  Côte d’Ivoire ") == "cote d ivoire"  # French elision: two words
    assert words("l'université, qu'il, aujourd'hui, don't, I'm") == ["l", "université", "qu", "il", "aujourdhui",
                                                                    "dont", "Im"]
    assert fold("U.K.") == fold("uk") == "uk"
    assert fold("Non-profit & NGO") == "non profit and ngo"
    assert words("St. Petersburg!") == ["St", "Petersburg"]
    assert strip_tags("<b>Jane</b> &amp; <script>x()</script>Co").split() == ["Jane", "&", "Co"]
    assert len(clean("y" * 10_000)) == 2000


# -- countries ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("UK", "GB"), ("U.K.", "GB"), ("uk", "GB"), ("Britain", "GB"), ("England", "GB"),
        ("Scotland", "GB"), ("United Kingdom", "GB"), ("the Netherlands", "NL"),
        ("The Netherlands", "NL"), ("Holland", "NL"), ("netherlands", "NL"), ("USA", "US"),
        ("US", "US"), ("U.S.", "US"), ("America", "US"), ("United States of America", "US"),
        ("the United States", "US"), ("Côte d'Ivoire", "CI"), ("Cote d’Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"), ("Ivory Coast", "CI"), ("DRC", "CD"), ("DR Congo", "CD"),
        ("France", "FR"), ("  france. ", "FR"), ("fr", "FR"), ("FRA", "FR"), ("Perú", "PE"),
        ("Peru", "PE"), ("Bosnia & Herzegovina", "BA"), ("Bosnia and Herzegovina", "BA"),
        ("Myanmar", "MM"), ("Burma", "MM"), ("St Kitts and Nevis", "KN"), ("Türkiye", "TR"),
        ("Turkey", "TR"), ("Kosovo", "XK"), ("Iceland", "IS"), ("Guatemala", "GT"),
        ("We are a city museum in Lyon, France", "FR"), ("based in the USA", "US"),
        ("Ohio", "US"), ("New Mexico", "US"), ("Georgia", "GE"),
        # other languages' names, as whole answers
        ("Deutschland", "DE"), ("Allemagne", "DE"), ("Reino Unido", "GB"), ("Irlanda", "IE"),
        ("المملكة المتحدة", "GB"),
    ],
)
def test_normalize_country(text, expected):
    assert normalize_country(text) == expected


@pytest.mark.parametrize(
    "text",
    ["let us know", "no", "in", "it", "fra", "world", "Europe", "Africa", "001", "Lyon", "EU"],
)
def test_normalize_country_rejects(text):
    assert normalize_country(text) is None


def test_normalize_country_in_other_language():
    assert normalize_country("Alemania", "es") == "DE"
    assert normalize_country("Vivimos en Alemania", "es") == "DE"
    assert normalize_country("France", "xx-nonsense") == "FR"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Lyon", ("FR", None)), ("Paris", ("FR", None)), ("Barcelona", ("ES", None)),
        ("Nairobi", ("KE", None)), ("Reykjavík", ("IS", None)), ("Lima", ("PE", None)),
        ("Columbus", ("US", "US-OH")), ("Cleveland, Ohio", ("US", "US-OH")),
        ("New York", ("US", "US-NY")), ("NYC", ("US", "US-NY")), ("Chicago", ("US", "US-IL")),
        ("Boston", ("US", "US-MA")), ("San Diego", ("US", "US-CA")),
        ("Atlanta", ("US", "US-GA")), ("Ibadan", ("NG", "NG-OY")), ("Lagos", ("NG", "NG-LA")),
        ("Kano", ("NG", "NG-KN")), ("Abuja", ("NG", "NG-FC")), ("Kochi", ("IN", "IN-KL")),
        ("Bengaluru", ("IN", "IN-KA")), ("Kolkata", ("IN", "IN-WB")), ("Delhi", ("IN", "IN-DL")),
        ("St Petersburg", ("RU", "RU-SPE")), ("Banja Luka", ("BA", "BA-SRP")),
        ("We are a library in Columbus, Ohio", ("US", "US-OH")), ("Sao Paulo", ("BR", None)),
    ],
)
def test_city_location(text, expected):
    assert city_location(text) == expected


@pytest.mark.parametrize("text", ["Springfield", "France", "nowhere", "Ohio"])
def test_city_location_unknown(text):
    assert city_location(text) is None


# -- regions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, country, expected",
    [
        ("New York", "US", "US-NY"), ("NY", "US", "US-NY"), ("ny", "US", "US-NY"),
        ("US-NY", "US", "US-NY"), ("us-ny", None, "US-NY"), ("New York State", "US", "US-NY"),
        ("Ohio", "US", "US-OH"), ("State of Ohio", "US", "US-OH"), ("ohio", "us", "US-OH"),
        ("District of Columbia", "US", "US-DC"), ("Washington, D.C.", "US", "US-DC"),
        ("IN", "US", "US-IN"), ("Columbus, OH", "US", "US-OH"), ("Columbus", "US", "US-OH"),
        ("we are in Cleveland, Ohio", "US", "US-OH"), ("Georgia", "US", "US-GA"),
        ("Lagos", "NG", "NG-LA"), ("FCT", "NG", "NG-FC"), ("Abuja", "NG", "NG-FC"),
        ("Kerala", "IN", "IN-KL"), ("Kerala", None, "IN-KL"), ("West Bengal", "IN", "IN-WB"),
        ("Uttar Pradesh", "IN", "IN-UP"), ("Karnataka", "IN", "IN-KA"), ("Orissa", "IN", "IN-OD"),
        ("IN-OR", "IN", "IN-OD"), ("Republika Srpska", "BA", "BA-SRP"),
        ("Republic of Srpska", "BA", "BA-SRP"), ("Brčko", "BA", "BA-BRC"),
        ("Saint Petersburg", "RU", "RU-SPE"), ("St. Petersburg", "RU", "RU-SPE"),
        ("Leningrad Oblast", "RU", "RU-LEN"), ("Pskov Oblast", "RU", "RU-PSK"),
        ("Moscow", "RU", "RU-MOW"), ("Moscow Oblast", "RU", "RU-MOS"), ("Komi", "RU", "RU-KO"),
    ],
)
def test_normalize_region(text, country, expected):
    assert normalize_region(text, country) == expected


@pytest.mark.parametrize(
    "text, country",
    [("in", "US"), ("ok", "US"), ("US-NY", "IN"), ("Ohio", "NG"), ("Lyon", "US"),
     ("Ohio", "FR"), ("Bavaria", "DE"), ("LA", None), ("", "US")],
)
def test_normalize_region_rejects(text, country):
    assert normalize_region(text, country) is None


def test_countries_needing_region_come_from_the_csv(tmp_path):
    assert countries_needing_region(DATA) == frozenset({"US", "IN", "NG", "RU", "BA"})
    (tmp_path / "affiliates.csv").write_text(
        "id,name,kind,countries,subdivisions\n"
        "a,A,chapter,FR,\n"
        "b,B,user_group,DE;AT,DE-BY\n",
        encoding="utf-8",
    )
    assert countries_needing_region(tmp_path) == frozenset({"DE", "AT"})


# -- terms -------------------------------------------------------------------------------
Org = OrganizationType


@pytest.mark.parametrize(
    "text, expected",
    [
        ("museum", Org.MUSEUM), ("We are a city museum", Org.MUSEUM), ("Library", Org.LIBRARY),
        ("archives", Org.ARCHIVE), ("art gallery", Org.GALLERY), ("university", Org.UNIVERSITY),
        ("college", Org.UNIVERSITY), ("faculty", Org.UNIVERSITY), ("school", Org.SCHOOL),
        ("research institute", Org.RESEARCH_INSTITUTE), ("a research lab", Org.RESEARCH_INSTITUTE),
        ("research_institute", Org.RESEARCH_INSTITUTE), ("government", Org.GOVERNMENT),
        ("Ministry of Culture", Org.GOVERNMENT), ("municipality", Org.GOVERNMENT),
        ("city council", Org.GOVERNMENT), ("nonprofit", Org.NONPROFIT), ("Non-profit", Org.NONPROFIT),
        ("NGO", Org.NONPROFIT), ("foundation", Org.NONPROFIT), ("charity", Org.NONPROFIT),
        ("association", Org.NONPROFIT), ("company", Org.COMPANY), ("business", Org.COMPANY),
        ("startup", Org.COMPANY), ("corporation", Org.COMPANY), ("firm", Org.COMPANY),
        ("newspaper", Org.MEDIA), ("broadcaster", Org.MEDIA), ("magazine", Org.MEDIA),
        ("journalist", Org.MEDIA), ("media", Org.MEDIA), ("individual", Org.INDIVIDUAL),
        ("myself", Org.INDIVIDUAL), ("freelancer", Org.INDIVIDUAL), ("photographer", Org.INDIVIDUAL),
        ("I'm a freelance photographer", Org.INDIVIDUAL), ("other", Org.OTHER),
        ("other museums", Org.MUSEUM),
    ],
)
def test_normalize_organization_type(text, expected):
    assert normalize_organization_type(text) is expected


P = PartnershipType


@pytest.mark.parametrize(
    "text, expected",
    [
        ("donate photos", P.CONTENT_DONATION), ("We want to donate 2,000 photos", P.CONTENT_DONATION),
        ("images", P.CONTENT_DONATION), ("scans of our postcards", P.CONTENT_DONATION),
        ("our collection", P.CONTENT_DONATION), ("a dataset", P.DATA_DONATION),
        ("data", P.DATA_DONATION), ("metadata", P.DATA_DONATION), ("Wikidata", P.DATA_DONATION),
        ("a research institute wants to donate a dataset", P.DATA_DONATION),
        ("course", P.EDUCATION), ("students to write articles in a course", P.EDUCATION),
        ("teaching", P.EDUCATION), ("a workshop", P.EDUCATION), ("edit-a-thon", P.EVENT),
        ("an editathon", P.EVENT), ("event", P.EVENT), ("campaign", P.EVENT), ("contest", P.EVENT),
        ("Wiki Loves Monuments", P.EVENT), ("API access", P.TECHNOLOGY),
        ("technology", P.TECHNOLOGY), ("an integration", P.TECHNOLOGY),
        ("software", P.TECHNOLOGY), ("research", P.RESEARCH), ("a study", P.RESEARCH),
        ("sponsor", P.FUNDING), ("we want to sponsor Wikipedia", P.FUNDING),
        ("donate money", P.FUNDING), ("funding", P.FUNDING), ("a grant", P.FUNDING),
        ("press", P.MEDIA), ("an interview", P.MEDIA), ("journalist", P.MEDIA),
        ("an article about Wikipedia", P.MEDIA), ("of course, photos", P.CONTENT_DONATION),
        ("content_donation", P.CONTENT_DONATION), ("other", P.OTHER),
    ],
)
def test_normalize_partnership_type(text, expected):
    assert normalize_partnership_type(text) is expected


L = Licence


@pytest.mark.parametrize(
    "text, expected",
    [
        ("CC BY-SA", L.CC_BY_SA), ("cc-by-sa 4.0", L.CC_BY_SA), ("BY SA", L.CC_BY_SA),
        ("CC-BY-SA-4.0", L.CC_BY_SA), ("Creative Commons Attribution-ShareAlike", L.CC_BY_SA),
        ("CC BY", L.CC_BY), ("cc by 4.0", L.CC_BY), ("CC0", L.CC0), ("CC-0", L.CC0),
        ("CC zero", L.CC0), ("no rights reserved", L.CC0), ("public domain", L.PUBLIC_DOMAIN),
        ("PD", L.PUBLIC_DOMAIN), ("it's out of copyright", L.PUBLIC_DOMAIN),
        ("CC BY-NC", L.RESTRICTED), ("CC BY-ND", L.RESTRICTED), ("BY-NC-SA", L.RESTRICTED),
        ("CC BY-NC-SA", L.RESTRICTED), ("CC BY-NC-SA 4.0", L.RESTRICTED),
        ("cc-by-nc-sa", L.RESTRICTED), ("non-commercial only", L.RESTRICTED),
        ("all rights reserved", L.RESTRICTED), ("copyrighted", L.RESTRICTED),
        ("no derivatives", L.RESTRICTED), ("CC BY, but NC", L.RESTRICTED),
        ("not sure", L.UNSURE), ("don't know", L.UNSURE), ("unsure", L.UNSURE),
        ("no idea", L.UNSURE), ("I'm not sure yet", L.UNSURE), ("cc_by_sa", L.CC_BY_SA),
    ],
)
def test_normalize_licence(text, expected):
    assert normalize_licence(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Catalan", "ca"), ("Yoruba", "yo"), ("Icelandic", "is"), ("Spanish", "es"),
        ("English", "en"), ("català", "ca"), ("español", "es"), ("Deutsch", "de"),
        ("Brazilian Portuguese", "pt"), ("Farsi", "fa"), ("ca", "ca"), ("IT", "it"),
        ("our newspapers are in Catalan", "ca"), ("Yoruba-language centre", "yo"),
    ],
)
def test_normalize_language(text, expected):
    assert normalize_language(text) == expected


@pytest.mark.parametrize("text", ["Klingon", "Cherokee", "it", "no", "France"])
def test_normalize_language_rejects(text):
    assert normalize_language(text) is None


def test_normalize_language_in_ui_language():
    assert normalize_language("catalán", "es") == "ca"
    assert normalize_language("allemand", "fr") == "de"


# -- contact -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("  Jane@Example.ORG ", "Jane@example.org"), ("my email is a@b.org please", "a@b.org"),
        ("a@b.org.", "a@b.org"), ("<a href='mailto:x@y.org'>x@y.org</a>", "x@y.org"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("jöhn@bücher.de", "jöhn@bücher.de"),
    ],
)
def test_normalize_email(text, expected):
    assert normalize_email(text) == expected


@pytest.mark.parametrize(
    "text",
    ["ab", "a@b", "john @example.org", "john@exa mple.org", "a..b@c.org", "a@c..org",
     ".a@b.org", "a@-c.org", "a@c.o", "a@c.123", "x" * 250 + "@b.org"],
)
def test_normalize_email_rejects(text):
    assert normalize_email(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  Jane   Doe ", "Jane Doe"), ("My name is Jane Doe", "Jane Doe"), ("I'm Jane", "Jane"),
        ("<b>Jane</b> Doe", "Jane Doe"), ("Dr. Jane O'Neil-Smith", "Dr. Jane O'Neil-Smith"),
        ("José Núñez", "José Núñez"), ("李小龙", "李小龙"), ("J", "J"), ("x" * 100, "x" * 100),
    ],
)
def test_normalize_person_name(text, expected):
    assert normalize_person_name(text) == expected


@pytest.mark.parametrize("text", ["x" * 101, "my name is", "Jane 🙂", "Agent 007", "---"])
def test_normalize_person_name_rejects(text):
    assert normalize_person_name(text) is None


# -- data consistency --------------------------------------------------------------------
def test_gazetteer_points_at_known_places():
    iso = country_codes(DATA)
    regions = {code for subs in subdivisions().values() for code in subs}
    for city, where in load_data("cities.yml")["cities"].items():
        assert where[:2] in iso, city
        assert "-" not in where or where in regions, city


def test_subdivisions_cover_every_affiliate_subdivision():
    regions = {code for subs in subdivisions().values() for code in subs}
    with open(DATA / "affiliates.csv", encoding="utf-8", newline="") as handle:
        declared = {s for row in csv.DictReader(handle) for s in row["subdivisions"].split(";") if s}
    assert declared <= regions
    assert set(subdivisions()) >= countries_needing_region(DATA)
    assert len(subdivisions()["US"]) == 51 and len(subdivisions()["NG"]) == 37


def test_alias_tables_use_valid_codes():
    terms = {k: v for k, v in load_terms().items() if k != "common"}
    iso = country_codes(DATA)
    for lang, table in terms.items():
        assert all(str(code) in iso for code in (table.get("countries") or {})), lang
        assert all(len(str(code)) == 2 for code in (table.get("languages") or {})), lang
        for kind, enum in (("organization_type", Org), ("partnership_type", P), ("licence", L)):
            assert {enum(v) for v in (table.get(kind) or {})} <= set(enum), (lang, kind)
