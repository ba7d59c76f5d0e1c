"""Console accounts and login failures in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from bot.staff.accounts import Role
from bot.store.accounts.login_failures import (
    clear_failures,
    count_failures,
    failures_for_email,
    failures_for_ip,
    record_failure,
)
from bot.store.accounts.users import (
    DuplicateEmail,
    add_user,
    get_user,
    list_users,
    record_login,
    set_disabled,
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


def test_failures_are_counted_per_address_and_client_within_the_window(sessionmaker, engine):
    with sessionmaker.begin() as session:
        record_failure(session=session, email="Ana@example.org", client_ip="10.0.0.1", window=WINDOW)
        record_failure(session=session, email="ana@example.org", client_ip="10.0.0.2", window=WINDOW)
        record_failure(session=session, email="bo@example.org", client_ip="10.0.0.1", window=WINDOW)
    with sessionmaker.begin() as session:
        assert len(failures_for_email(session=session, email="ANA@example.org", window=WINDOW)) == 2
        assert len(failures_for_ip(session=session, client_ip="10.0.0.1", window=WINDOW)) == 2
        times = failures_for_ip(session=session, client_ip="10.0.0.1", window=WINDOW)
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    # An hour later, nothing counts any more, and the next failure sweeps the old rows away.
    with engine.begin() as connection:
        connection.execute(update(login_failures).values(created_at=utcnow() - timedelta(hours=1)))
    with sessionmaker.begin() as session:
        assert failures_for_email(session=session, email="ana@example.org", window=WINDOW) == []
        record_failure(session=session, email="bo@example.org", client_ip="10.0.0.3", window=WINDOW)
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 1
        clear_failures(session=session, email="BO@example.org")
    with sessionmaker.begin() as session:
        assert count_failures(session=session) == 0
