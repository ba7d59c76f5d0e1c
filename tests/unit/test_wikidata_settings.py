"""INTAKE_WIKIDATA_API_URL: Wikidata's own API by default, empty for no lookups, else an http(s) URL."""
from __future__ import annotations

import pytest

from bot.settings import Settings


def test_the_wikidata_api_url_defaults_to_wikidata_and_empty_turns_lookups_off():
    assert Settings.from_env({}).wikidata_api_url == "https://www.wikidata.org/w/api.php"
    assert Settings.from_env({"INTAKE_WIKIDATA_API_URL": ""}).wikidata_api_url == ""
    local = "http://127.0.0.1:8181/w/api.php"
    assert Settings.from_env({"INTAKE_WIKIDATA_API_URL": local}).wikidata_api_url == local


@pytest.mark.parametrize("bad", ["www.wikidata.org/w/api.php", "ftp://wikidata.org/", "https://"])
def test_a_wikidata_api_url_that_is_not_http_is_refused_with_its_name(bad):
    with pytest.raises(ValueError, match="INTAKE_WIKIDATA_API_URL"):
        Settings.from_env({"INTAKE_WIKIDATA_API_URL": bad})
