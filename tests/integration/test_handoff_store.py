"""The hand-off store (bot/store/handoffs.py) on SQLite and PostgreSQL: availability is honest,
the first claim wins, affiliates answer only their own, and asking twice is one hand-off."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store.accounts.users import add_user
from bot.store.clock import utcnow
from bot.store.handoffs import (
    PRESENCE_SECONDS,
    Answerer,
    HandoffConflict,
    HandoffStatus,
    available_people,
    claim,
    end_handoff,
    heartbeat,
    leave,
    list_handoffs,
    open_status,
    presence_of,
    record_reply,
    request_handoff,
    switch_availability,
    wanted_person,
)


def _user(session, email: str, role: str = "staff", affiliate: str | None = None) -> int:
    return add_user(session=session, email=email, role=role, affiliate_id=affiliate, password_hash="x").id


def test_nobody_is_available_until_an_inbox_is_open_or_someone_switches_on(sessionmaker):
    now = utcnow()
    with sessionmaker.begin() as session:
        staff = _user(session, "staff@example.org")
        volunteer = _user(session, "vol@example.org", "affiliate", "wm-de")
        assert available_people(session, affiliate_id=None, now=now) == 0
        heartbeat(session, user_id=volunteer, now=now)
        # An affiliate's user counts only for conversations routed to that affiliate.
        assert available_people(session, affiliate_id=None, now=now) == 0
        assert available_people(session, affiliate_id="wm-de", now=now) == 1
        heartbeat(session, user_id=staff, now=now)
        assert available_people(session, affiliate_id=None, now=now) == 1
        later = now + timedelta(seconds=PRESENCE_SECONDS + 1)
        assert available_people(session, affiliate_id="wm-de", now=later) == 0  # the inbox was closed
        switch_availability(session, user_id=staff, hours=2, now=now)
        assert available_people(session, affiliate_id=None, now=later) == 1
        assert presence_of(session, user_id=staff, now=later)["available"]
        assert available_people(session, affiliate_id=None, now=now + timedelta(hours=2, seconds=1)) == 0
        switch_availability(session, user_id=staff, hours=0, now=now)
        leave(session, user_id=staff)
        assert available_people(session, affiliate_id=None, now=now) == 0


def test_a_request_with_nobody_available_is_missed_and_marks_the_conversation(sessionmaker):
    now = utcnow()
    with sessionmaker.begin() as session:
        handoff, new = request_handoff(session, conversation_id="c-1", language="fr", now=now)
        assert new and handoff["status"] == HandoffStatus.MISSED.value
        assert open_status(session.connection(), conversation_id="c-1") is None
        assert wanted_person(session, conversation_id="c-1")


def test_asking_twice_is_one_handoff_and_the_first_claim_wins(sessionmaker):
    now = utcnow()
    with sessionmaker.begin() as session:
        ana = _user(session, "ana@example.org")
        ben = _user(session, "ben@example.org")
        heartbeat(session, user_id=ana, now=now)
        first, new = request_handoff(session, conversation_id="c-2", language="es", now=now)
        again, new_again = request_handoff(session, conversation_id="c-2", language="es", now=now)
        assert new and not new_again and first["id"] == again["id"] and first["status"] == "waiting"
        assert open_status(session.connection(), conversation_id="c-2") == "waiting"
        claimed = claim(session, conversation_id="c-2", who=Answerer("ana", user_id=ana), now=now)
        assert claimed["status"] == "with_person" and claimed["claimed_by"] == ana
        # A teammate may still reply; the claim stays with the first.
        handoff, claimed_now = record_reply(session, conversation_id="c-2", who=Answerer("ben", user_id=ben), now=now)
        assert not claimed_now and handoff["first_reply_at"] is not None
        assert list_handoffs(session, scope=None)[0]["claimed_by_email"] == "ana@example.org"
        ended = end_handoff(session, conversation_id="c-2", status=HandoffStatus.RELEASED, now=now)
        assert ended["status"] == "released"
        with pytest.raises(HandoffConflict):
            end_handoff(session, conversation_id="c-2", status=HandoffStatus.CLOSED, now=now)
        assert open_status(session.connection(), conversation_id="c-2") is None


def test_an_affiliate_user_cannot_see_or_answer_another_affiliates_handoff(sessionmaker):
    now = utcnow()
    with sessionmaker.begin() as session:
        staff = _user(session, "staff@example.org")
        heartbeat(session, user_id=staff, now=now)
        request_handoff(session, conversation_id="c-3", language="en", now=now)  # staff only: no inquiry
        outsider = Answerer("vol", user_id=_user(session, "vol@example.org", "affiliate", "wm-fr"), affiliate_id="wm-fr")
        assert list_handoffs(session, scope="wm-fr") == []
        assert [h["conversation_id"] for h in list_handoffs(session, scope=None)] == ["c-3"]
        with pytest.raises(HandoffConflict):
            claim(session, conversation_id="c-3", who=outsider, now=now)
        with pytest.raises(HandoffConflict):
            record_reply(session, conversation_id="c-3", who=outsider, now=now)
        with pytest.raises(HandoffConflict):
            end_handoff(session, conversation_id="c-3", status=HandoffStatus.CLOSED, now=now, who=outsider)


def test_a_handoff_nobody_picked_up_becomes_missed(sessionmaker):
    now = utcnow()
    with sessionmaker.begin() as session:
        heartbeat(session, user_id=_user(session, "staff@example.org"), now=now)
        request_handoff(session, conversation_id="c-4", language="de", now=now)
        end_handoff(session, conversation_id="c-4", status=HandoffStatus.MISSED, now=now)
        assert wanted_person(session, conversation_id="c-4")
