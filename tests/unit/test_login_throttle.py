"""The login throttle's pure rules, client names, device summaries and the session settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.settings import Settings
from bot.staff.login_throttle import Policy, Recent, backoff_seconds, client_key, client_network, retry_after
from integrations.console.pages.devices import device_summary

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
POLICY = Policy()


def _seconds_ago(*seconds: int) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in sorted(seconds, reverse=True)]


def test_the_account_back_off_grows_exponentially_and_is_capped():
    assert backoff_seconds(_seconds_ago(5, 4, 3, 2), policy=POLICY, now=NOW) == 0  # four: no back-off
    assert backoff_seconds(_seconds_ago(5, 4, 3, 2, 0), policy=POLICY, now=NOW) == 2
    assert backoff_seconds(_seconds_ago(6, 5, 4, 3, 2, 0), policy=POLICY, now=NOW) == 4
    assert backoff_seconds(_seconds_ago(*range(8)), policy=POLICY, now=NOW) == 16
    flood = _seconds_ago(*range(10_000))
    assert backoff_seconds(flood, policy=POLICY, now=NOW) == 5 * 60  # the cap, however many
    old = [moment - timedelta(hours=2) for moment in flood]
    assert backoff_seconds(old, policy=POLICY, now=NOW) == 0  # out of the back-off window


def test_a_trusted_client_skips_only_the_account_back_off():
    flood = _seconds_ago(*range(50))
    untrusted = Recent(from_client=[], for_pair=[], for_account=flood)
    assert retry_after(untrusted, policy=POLICY, now=NOW) == 5 * 60
    trusted = Recent(from_client=[], for_pair=[], for_account=flood, trusted=True)
    assert retry_after(trusted, policy=POLICY, now=NOW) == 0
    own = _seconds_ago(60, 50, 40, 30, 20)
    pair_full = Recent(from_client=own, for_pair=own, for_account=own, trusted=True)
    assert 14 * 60 <= retry_after(pair_full, policy=POLICY, now=NOW) <= 15 * 60  # the pair limit holds


@pytest.mark.parametrize(("address", "key", "network"), [
    ("192.0.2.10", "192.0.2.10", "192.0.2.0/24"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1::/48"),
    ("::ffff:192.0.2.10", "192.0.2.10", "192.0.2.0/24"),
    ("unknown", "unknown", "unknown"),
])
def test_clients_are_named_by_address_or_network(address, key, network):
    assert client_key(address) == key
    assert client_network(address) == network


@pytest.mark.parametrize(("header", "summary"), [
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0",
     "Edge on Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1",
     "Safari on iOS"),
    ("curl/8.5.0", "curl"),
    (None, "unknown device"),
])
def test_a_user_agent_becomes_a_short_device_summary(header, summary):
    assert device_summary(header) == summary


def test_session_lifetimes_are_bounded_settings():
    defaults = Settings.from_env({})
    assert (defaults.console_session_hours, defaults.console_idle_minutes, defaults.password_reset_minutes) == (
        12, 120, 60)
    tuned = Settings.from_env({"INTAKE_CONSOLE_SESSION_HOURS": "8", "INTAKE_CONSOLE_IDLE_MINUTES": "30",
                               "INTAKE_PASSWORD_RESET_MINUTES": "15"})
    assert (tuned.console_session_hours, tuned.console_idle_minutes, tuned.password_reset_minutes) == (8, 30, 15)
    for name, bad in (("INTAKE_CONSOLE_SESSION_HOURS", "0"), ("INTAKE_CONSOLE_IDLE_MINUTES", "2h"),
                      ("INTAKE_PASSWORD_RESET_MINUTES", "100000")):
        with pytest.raises(ValueError, match=name):
            Settings.from_env({name: bad})
