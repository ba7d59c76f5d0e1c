"""Reading Wikidata's answers and judging candidates (bot/organisations/wikidata.py), on the
committed example answers of tests/data/wikidata: a confident match needs the name, the country
and the type (or the official website on the organisation's domain); an unknown type alone is
not enough; a wrong country or type never passes; malformed answers are refused."""
from __future__ import annotations

import pytest
from wikidata_fake import answer

from bot.organisations.matching import Record
from bot.organisations.wikidata import (
    MalformedAnswer,
    api_error,
    candidates,
    choose,
    compatible_types,
    country_codes,
    item_types,
    search_ids,
    website_agrees,
)

COUNTRIES = country_codes(answer("entities_countries"))


def one(name: str, languages=("fr", "en")):
    [candidate] = candidates(answer(name), languages=languages)
    return candidate


def test_entities_are_read_as_the_api_shapes_them():
    bnf = one("entities_bnf")
    assert bnf.id == "Q193563" and bnf.label == "Bibliothèque nationale de France"
    assert set(bnf.names) == {"Bibliothèque nationale de France", "National Library of France", "BnF"}
    assert bnf.classes == {"Q22806"} and bnf.country_items == ("Q142",)
    assert bnf.website == "https://www.bnf.fr/" and bnf.commons_category == "Bibliothèque nationale de France"
    assert one("entities_louvre", ("en",)).label == "Louvre Museum"
    assert one("entities_louvre").commons_category is None
    assert COUNTRIES == {"Q142": "FR", "Q29": "ES", "Q298": "CL", "Q145": "GB", "Q30": "US", "Q33": "FI"}
    assert search_ids(answer("search_national_gallery_en")) == ["Q180788", "Q214867"]
    assert search_ids(answer("search_no_result_fr")) == []


def test_the_commons_sitelink_stands_in_for_a_missing_commons_category():
    data = answer("entities_prado")
    del data["entities"]["Q160112"]["claims"]["P373"]
    [prado] = candidates(data, languages=["es"])
    assert prado.commons_category == "Museo del Prado"


def test_deprecated_statements_are_ignored_and_preferred_ones_win():
    data = answer("entities_louvre")
    claims = data["entities"]["Q19675"]["claims"]
    claims["P17"][0]["rank"] = "deprecated"
    website = claims["P856"][0]
    claims["P856"] = [dict(website, rank="normal", mainsnak=dict(website["mainsnak"], datavalue={
        "value": "https://old.example/", "type": "string"})), dict(website, rank="preferred")]
    [louvre] = candidates(data, languages=["fr"])
    assert louvre.country_items == () and louvre.website == "https://www.louvre.fr/"


@pytest.mark.parametrize("bad", [[], "x", {"entities": []}, {"entities": {"Q1": "x"}}])
def test_malformed_entities_are_refused(bad):
    with pytest.raises(MalformedAnswer):
        candidates(bad, languages=["en"])


@pytest.mark.parametrize("bad", [{}, {"search": {}}, {"search": [{"id": "P31"}]}, {"search": ["Q1"]}])
def test_malformed_searches_are_refused(bad):
    with pytest.raises(MalformedAnswer):
        search_ids(bad)


def test_api_errors_are_named():
    assert api_error(answer("error_maxlag")) == "maxlag"
    assert api_error(answer("search_nokia_en")) is None
    with pytest.raises(MalformedAnswer):
        api_error([1])


def test_name_country_and_type_make_a_confident_match():
    found, _ = choose(Record("Musée du Louvre", "FR", "museum"), [one("entities_louvre")], COUNTRIES)
    assert found is not None and found.item_id == "Q19675" and found.website == "https://www.louvre.fr/"
    assert "name, country and type agree" in found.reason
    chile = candidates(answer("entities_uchile"), languages=["es", "en"])
    found, _ = choose(Record("Universidad de Chile", "CL", "university"), chile, COUNTRIES)
    assert found is not None and found.label == "Universidad de Chile"


def test_an_acronym_alias_and_a_compatible_type_match():
    found, _ = choose(Record("BnF", "FR", "library"), [one("entities_bnf")], COUNTRIES)
    assert found is not None and found.item_id == "Q193563"
    found, _ = choose(Record("Louvre", "FR", "gallery"), [one("entities_louvre")], COUNTRIES)
    assert found is not None, "a gallery and an art museum are compatible"


def test_several_candidates_in_other_countries_are_not_confident():
    both = candidates(answer("entities_national_gallery"), languages=["en"])
    found, judgements = choose(Record("National Gallery", "IE", "museum"), both, COUNTRIES)
    assert found is None and len(judgements) == 2
    assert all("not IE" in j.reason for j in judgements)
    found, _ = choose(Record("National Gallery", "GB", "museum"), both, COUNTRIES)
    assert found is not None and found.item_id == "Q180788"


def test_a_type_that_disagrees_is_never_confident_even_with_the_website():
    nokia = one("entities_nokia", ("en",))
    found, [judgement] = choose(Record("Nokia", "FI", "museum", domain="nokia.com"), [nokia], COUNTRIES)
    assert found is None and "company" in judgement.reason and "not a museum" in judgement.reason
    found, _ = choose(Record("Nokia", "FI", "company"), [nokia], COUNTRIES)
    assert found is not None


def test_an_unknown_type_alone_is_not_confident_but_the_website_makes_it_so():
    data = answer("entities_bnf")
    data["entities"]["Q193563"]["claims"]["P31"][0]["mainsnak"]["datavalue"]["value"]["id"] = "Q99999999"
    [bnf] = candidates(data, languages=["fr"])
    name = "Bibliothèque nationale de France"
    found, [judgement] = choose(Record(name, "FR", "library"), [bnf], COUNTRIES)
    assert found is None and "type unknown" in judgement.reason
    found, _ = choose(Record(name, "FR", None), [one("entities_bnf")], COUNTRIES)
    assert found is None, "the record's type unknown: not confident on the name alone"
    found, _ = choose(Record(name, "FR", "library", domain="bnf.fr"), [bnf], COUNTRIES)
    assert found is not None and "official website on bnf.fr" in found.reason
    found, _ = choose(Record("BnF Paris", "FR", None, domain="bnf.fr"), [bnf], COUNTRIES)
    assert found is not None, "with the website, a close name does"


def test_the_website_never_overrides_the_country_or_an_unrelated_name():
    bnf = one("entities_bnf")
    assert choose(Record("Bibliothèque nationale de France", "BE", "library", domain="bnf.fr"), [bnf],
                  COUNTRIES)[0] is None
    assert choose(Record("Musée Carnavalet", "FR", None, domain="bnf.fr"), [bnf], COUNTRIES)[0] is None


def test_two_confident_candidates_are_none_unless_one_has_the_website():
    bnf = one("entities_bnf")
    twin = candidates({"entities": {"Q1": {**answer("entities_bnf")["entities"]["Q193563"], "id": "Q1",
                                           "claims": {**answer("entities_bnf")["entities"]["Q193563"]["claims"],
                                                      "P856": []}}}}, languages=["fr"])[0]
    assert choose(Record("BnF", "FR", "library"), [bnf, twin], COUNTRIES)[0] is None
    found, _ = choose(Record("BnF", "FR", "library", domain="bnf.fr"), [bnf, twin], COUNTRIES)
    assert found is not None and found.item_id == "Q193563"


def test_the_type_table_reads_subclasses_and_compatible_pairs():
    assert item_types({"Q207694"}) == {"museum"} and item_types({"Q1"}) == frozenset()
    assert item_types({"Q22806", "Q3918"}) == {"library", "university"}
    assert compatible_types("gallery") == {"gallery", "museum"}
    assert compatible_types("museum") >= {"museum", "gallery"}


@pytest.mark.parametrize(("website", "domain", "agrees"), [
    ("https://www.bnf.fr/", "bnf.fr", True), ("https://www.uchile.cl", "dcc.uchile.cl", True),
    ("https://bnf.fr.example.net/", "bnf.fr", False), ("https://www.louvre.fr/", "bnf.fr", False),
    ("not a url", "bnf.fr", False), (None, "bnf.fr", False), ("https://www.bnf.fr/", None, False),
    ("https://fr/", "fr", False),
])
def test_website_agreement(website, domain, agrees):
    assert website_agrees(website, domain) is agrees
