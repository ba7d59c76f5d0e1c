"""The console's labels: codes as names in a locale, and names typed into filters as codes."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.data import ROOT
from bot.routing.directory import load_directory
from integrations.console import labels


def test_codes_read_as_names_in_the_viewers_locale():
    assert labels.text("partnership_type", "content_donation") == "Content donation"
    assert labels.text("status", "needs_review", "de") == "Zu prüfen"
    assert labels.text("status", "routed", "ar") == "مُحال" and labels.text("tier", "qualified", "xx") == "Qualified"
    assert labels.text("status", "made_up", "fr") == "made_up"  # a code without a label shows as itself
    assert labels.number(12345.5, "fr") == "12\u202f345,5" and labels.number(12345, "en") == "12,345"
    assert labels.country("FR", "de") == "Frankreich" and labels.language("es", "fr") == "espagnol"
    assert labels.country("XX") == "XX" and labels.country(None) == "—"
    shown = labels.when(datetime(2026, 12, 6, 16, 0, tzinfo=timezone.utc), "fr", "Europe/Paris")
    assert shown == ('<time datetime="2026-12-06T16:00:00Z" title="2026-12-06 16:00 UTC">06/12/2026 17:00</time>')


def test_names_typed_in_filters_become_codes_case_and_accents_aside():
    assert labels.country_code("france") == labels.country_code("FR") == labels.country_code("fr") == "FR"
    assert labels.country_code("Frankreich", "de") == "FR" and labels.country_code("MÉXICO", "es") == "MX"
    assert labels.language_code("Spanish") == labels.language_code("espanol", "es") == "es"
    directory = load_directory(ROOT / "data")
    assert labels.affiliate_id(directory, "wikimedia france") == labels.affiliate_id(directory, "wm-fr") == "wm-fr"
    for unknown in (lambda: labels.country_code("Atlantis"), lambda: labels.language_code("Klingonese"),
                    lambda: labels.affiliate_id(directory, "Wikimedia Mars")):
        with pytest.raises(labels.UnknownName):
            unknown()
