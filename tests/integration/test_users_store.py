"""Console accounts, login attempts and sessions in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from bot.staff.accounts import Role
from bot.store.accounts.console_sessions import (
    find_session,
    list_sessions,
    new_token,
    session_id,
    start_session,
)
from bot.store.accounts.login_failures import count_failures, release_attempt, reserve_attempt
from bot.store.accounts.users import (
    DuplicateEmail,
    add_user,
    get_user,
    list_users,
    record_login,
    set_disabled,
    set_password,
    user_by_email,
)
from bot.store.clock import utcnow
from bot.store.tables import login_failures, users

WINDOW = timedelta(minutes=15)


def test_users_round_trip_and_the_hash_stays_out_of_reprs(sessionmaker):
    with sessionmaker.begin() as session:
        staff = add_user(
            session=session, email=" Ana@Example.org", role="staff", affiliate_id=None, password_hash="$h1"
        )
        fr = add_user(
            session=session,
            email="fr@example.org",
            role=Role.AFFILIATE,
            affiliate_id="wm-fr",
            password_hash="$h2",
        )
    with sessionmaker.begin() as session:
        assert get_user(session=session, user_id=staff.id) == staff
        assert user_by_email(session=session, email="ANA@EXAMPLE.ORG") == staff
        assert [u.email for u in list_users(session=session)] == ["ana@example.org", "fr@example.org"]
        assert get_user(session=session, user_id=fr.id + 100) is None
    assert staff.email == "ana@example.org" and staff.role is Role.STAFF and staff.created_at is not None
    assert fr.affiliate_scope == "wm-fr" and "$h2" not in repr(fr)


def test_a_duplicate_leaves_the_transaction_usable(sessionmaker):
    with sessionmaker.begin() as session:
        add_user(
            session=session, email="ana@example.org", role="staff", affiliate_id=None, password_hash="$h"
        )
        with pytest.raises(DuplicateEmail):
            add_user(
                session=session, email="ANA@example.org", role="staff", affiliate_id=None, password_hash="$h"
            )
        add_user(session=session, email="bo@example.org", role="staff", affiliate_id=None, password_hash="$h")
    with sessionmaker.begin() as session:
        assert len(list_users(session=session)) == 2


@pytest.mark.parametrize(("role", "affiliate_id"), [("affiliate", None), ("staff", "wm-fr")])
def test_the_database_refuses_a_role_that_does_not_fit_the_affiliate(engine, role, affiliate_id):
    row = {
        "email": "x@example.org",
        "role": role,
        "affiliate_id": affiliate_id,
        "password_hash": "$h",
        "disabled": False,
        "created_at": utcnow(),
    }
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            connection.execute(insert(users).values(**row))


def test_disable_enable_and_record_login(sessionmaker):
    with sessionmaker.begin() as session:
        user = add_user(
            session=session, email="ana@example.org", role="staff", affiliate_id=None, password_hash="$old"
        )
    with sessionmaker.begin() as session:
        assert set_disabled(session=session, email="Ana@example.org", disabled=True).disabled  # type: ignore[union-attr]
        assert set_disabled(session=session, email="nobody@example.org", disabled=True) is None
        record_login(session=session, user_id=user.id, new_password_hash="$new")
    with sessionmaker.begin() as session:
        stored = get_user(session=session, user_id=user.id)
        assert stored is not None and stored.disabled and stored.last_login_at is not None
        assert session.execute(users.select()).mappings().one()["password_hash"] == "$new"


def _reserve(session, email, client, *, seen=None, network="10.0.0.0/24", trusted_since=None, wait=0):
    """Reserve an attempt; `seen` collects what the decision was shown."""
    def decide(recent):
        if seen is not None:
            seen.append(recent)
        return wait
    return reserve_attempt(session=session, email=email, client=client, network=network, window=WINDOW,
                           account_window=timedelta(hours=1), trusted_since=trusted_since, decide=decide)


def test_attempts_are_counted_per_client_pair_and_account_before_they_are_reserved(sessionmaker, engine):
    with sessionmaker.begin() as session:
        first = _reserve(session, "Ana@example.org", "10.0.0.1")
        _reserve(session, "ana@example.org", "10.0.0.2")
        _reserve(session, "bo@example.org", "10.0.0.1")
        refused = _reserve(session, "bo@example.org", "10.0.0.1", wait=42)
    assert first.attempt_id is not None and first.retry_after == 0
    assert refused.attempt_id is None and refused.retry_after == 42
    seen: list = []
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 3  # the refused attempt left no row
        _reserve(session, "ANA@example.org", "10.0.0.1", seen=seen)
    recent = seen[0]
    assert len(recent.from_client) == 2 and len(recent.for_pair) == 1 and len(recent.for_account) == 2
    assert list(recent.for_account) == sorted(recent.for_account)
    assert all(t.tzinfo is not None for t in recent.for_account) and not recent.trusted
    # A success forgets its attempt and the pair's failures, not other clients' failures.
    with sessionmaker.begin() as session:
        release_attempt(session=session, attempt_id=first.attempt_id, email="ana@example.org", client="10.0.0.1")
        assert count_failures(session=session) == 2  # ana from 10.0.0.2 and bo from 10.0.0.1
    # Two hours later nothing counts any more, and the next reservation sweeps the old rows away.
    with engine.begin() as connection:
        connection.execute(update(login_failures).values(created_at=utcnow() - timedelta(hours=2)))
    seen.clear()
    with sessionmaker.begin() as session:
        _reserve(session, "ana@example.org", "10.0.0.2", seen=seen)
        assert count_failures(session=session) == 1
    assert not seen[0].from_client and not seen[0].for_account


def test_a_client_is_trusted_where_the_user_had_a_session(sessionmaker):
    with sessionmaker.begin() as session:
        user = add_user(session=session, email="ana@example.org", role="staff", affiliate_id=None, password_hash="$h")
        start_session(session=session, token=new_token(), user_id=user.id, lifetime=timedelta(hours=12),
                      user_agent="Firefox on Linux", client="192.0.2.0/24")
    since = utcnow() - timedelta(days=30)
    seen: list = []
    with sessionmaker.begin() as session:
        _reserve(session, "ana@example.org", "192.0.2.7", network="192.0.2.0/24", trusted_since=since, seen=seen)
        _reserve(session, "ana@example.org", "198.51.100.7", network="198.51.100.0/24", trusted_since=since, seen=seen)
        _reserve(session, "bo@example.org", "192.0.2.7", network="192.0.2.0/24", trusted_since=since, seen=seen)
        _reserve(session, "ana@example.org", "192.0.2.7", network="192.0.2.0/24", trusted_since=None, seen=seen)
    assert [recent.trusted for recent in seen] == [True, False, False, False]


def test_disabling_a_user_or_setting_a_password_ends_their_sessions(sessionmaker):
    with sessionmaker.begin() as session:
        user = add_user(session=session, email="ana@example.org", role="staff", affiliate_id=None, password_hash="$h")
        tokens = [new_token() for _ in range(3)]
        for token in tokens:
            start_session(session=session, token=token, user_id=user.id, lifetime=timedelta(hours=12),
                          user_agent="", client="")
    idle = timedelta(hours=2)
    with sessionmaker.begin() as session:
        set_password(session=session, user_id=user.id, password_hash="$new", keep_session=session_id(tokens[0]))
        assert [s.id for s in list_sessions(session=session, user_id=user.id, idle=idle)] == [session_id(tokens[0])]
        set_disabled(session=session, email="ana@example.org", disabled=True)
        assert list_sessions(session=session, user_id=user.id, idle=idle) == []
        stored = find_session(session=session, token=tokens[0])
        assert stored is not None and stored.revoked_at is not None
        assert session.execute(users.select()).mappings().one()["password_hash"] == "$new"
