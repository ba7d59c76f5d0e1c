"""The role model, account validation, and the console's pure security helpers."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from bot.settings import Settings
from bot.staff.accounts import AccountError, Role, User, check_email, check_role
from bot.staff.login_throttle import wait_seconds
from integrations.console.pages.csrf import derive
from integrations.console.pages.login import safe_next

KNOWN = {"wm-fr", "wikiedu"}
STAFF = User(id=1, email="staff@example.org", role=Role.STAFF)
FRANCE = User(id=2, email="fr@example.org", role=Role.AFFILIATE, affiliate_id="wm-fr")


def test_staff_see_every_affiliate_and_unrouted_inquiries():
    assert STAFF.is_staff and STAFF.affiliate_scope is None
    assert STAFF.can_see_affiliate("wm-fr") and STAFF.can_see_affiliate("wikiedu")
    assert STAFF.can_see_affiliate(None)


def test_an_affiliate_user_sees_only_their_affiliate():
    assert not FRANCE.is_staff and FRANCE.affiliate_scope == "wm-fr"
    assert FRANCE.can_see_affiliate("wm-fr")
    assert not FRANCE.can_see_affiliate("wikiedu")
    assert not FRANCE.can_see_affiliate(None)
    assert not FRANCE.can_see_affiliate("")


def test_a_disabled_user_sees_nothing():
    disabled = User(id=3, email="x@example.org", role=Role.STAFF, disabled=True)
    assert not disabled.can_see_affiliate("wm-fr") and not disabled.can_see_affiliate(None)


def test_email_is_normalised_and_checked():
    assert check_email("  Ana@Example.ORG ") == "ana@example.org"
    for bad in ("", "ana", "ana@", "@example.org", "ana@localhost", "a na@example.org"):
        with pytest.raises(AccountError):
            check_email(bad)
    with pytest.raises(AccountError, match="320"):
        check_email("a" * 320 + "@example.org")


def test_role_and_affiliate_must_fit():
    assert check_role("staff", None, known_affiliates=KNOWN) is Role.STAFF
    assert check_role("affiliate", "wm-fr", known_affiliates=KNOWN) is Role.AFFILIATE
    with pytest.raises(AccountError, match="role must be one of"):
        check_role("admin", None, known_affiliates=KNOWN)
    with pytest.raises(AccountError, match="no affiliate"):
        check_role("staff", "wm-fr", known_affiliates=KNOWN)
    with pytest.raises(AccountError, match="needs an affiliate"):
        check_role("affiliate", None, known_affiliates=KNOWN)
    with pytest.raises(AccountError, match="unknown affiliate 'wm-xx'"):
        check_role("affiliate", "wm-xx", known_affiliates=KNOWN)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/console/inquiries?page=2", "/console/inquiries?page=2"),
        ("/console/", "/console/"),
        (None, "/console/"),
        ("", "/console/"),
        ("/", "/console/"),
        ("/api/inquiries", "/console/"),
        ("//evil.example/console/", "/console/"),
        ("https://evil.example/console/", "/console/"),
        ("/console/\\..\\evil", "/console/"),
        ("/console/\r\nSet-Cookie: x=1", "/console/"),
        ("/console/login", "/console/"),
        ("/console/logout", "/console/"),
    ],
)
def test_safe_next_keeps_only_console_paths(raw, expected):
    assert safe_next(raw) == expected


def test_wait_seconds_counts_only_failures_inside_the_window():
    now = datetime(2024, 11, 30, 12, 0, tzinfo=timezone.utc)
    window = timedelta(minutes=15)
    minutes_ago = [now - timedelta(minutes=m) for m in (20, 10, 8, 6, 4, 2)]  # oldest first
    assert wait_seconds(minutes_ago, limit=5, window=window, now=now) == 5 * 60  # 10 min ago leaves in 5
    assert wait_seconds(minutes_ago, limit=6, window=window, now=now) == 0  # the 20-min one is out
    # five within the window, limit 3: open again when the third oldest (6 min ago) leaves, in 9
    assert wait_seconds(minutes_ago[1:], limit=3, window=window, now=now) == 9 * 60
    assert wait_seconds([], limit=1, window=window, now=now) == 0
    assert wait_seconds([now], limit=1, window=window, now=now) == 15 * 60


def test_the_csrf_token_is_derived_from_the_secret_and_the_session():
    token = derive("a long random secret", "session-token")
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert token == derive("a long random secret", "session-token")
    assert token != derive("another secret", "session-token")
    assert token != derive("a long random secret", "another session")  # a new session, a new token
    assert "session-token" not in token


def test_the_session_secret_stays_out_of_reprs():
    settings = Settings.from_env({"INTAKE_SESSION_SECRET": "do-not-print-me"})
    assert settings.session_secret == "do-not-print-me"
    assert "do-not-print-me" not in repr(settings)
