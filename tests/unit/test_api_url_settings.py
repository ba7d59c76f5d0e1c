"""The outside APIs' URLs (INTAKE_WIKIDATA_API_URL, INTAKE_COMMONS_API_URL, INTAKE_METRICS_API_URL):
Wikimedia's own by default, empty to turn their use off, else an http(s) URL."""
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


def test_the_commons_and_metrics_urls_default_to_wikimedias_and_empty_turns_them_off():
    settings = Settings.from_env({})
    assert settings.commons_api_url == "https://commons.wikimedia.org/w/api.php"
    assert settings.metrics_api_url == "https://wikimedia.org/api/rest_v1"
    off = Settings.from_env({"INTAKE_COMMONS_API_URL": "", "INTAKE_METRICS_API_URL": ""})
    assert (off.commons_api_url, off.metrics_api_url) == ("", "")
    with pytest.raises(ValueError, match="INTAKE_METRICS_API_URL"):
        Settings.from_env({"INTAKE_METRICS_API_URL": "wikimedia.org/api/rest_v1"})
