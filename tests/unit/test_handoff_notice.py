"""Unit tests of bot.delivery.handoff_notice: the hand-off webhook body and the staff e-mail."""
from __future__ import annotations

import email
import json
from datetime import datetime, timedelta, timezone
from email import policy

import pytest

from bot.delivery.handoff_notice import HANDOFF_EVENT, HandoffNotice, handoff_body, handoff_email

LINKS = {"inbox": "https://intake.example/console/handoffs",
         "conversation": "https://intake.example/console/conversations/c-1?x=1&y=2"}


def notice(**changes) -> HandoffNotice:
    values = {"id": 12, "conversation_id": "c-1", "status": "waiting", "language": "ar", "affiliate_id": "wm-fr",
              "requested_at": datetime(2026, 12, 6, 9, 30, 5, tzinfo=timezone(timedelta(hours=1))),
              "inquiry_reference": None, "links": LINKS}
    return HandoffNotice(**{**values, **changes})


def _parts(message) -> tuple[str, str]:
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    return (parsed.get_body(preferencelist=("plain",)).get_content(),
            parsed.get_body(preferencelist=("html",)).get_content())


def test_the_body_has_the_documented_shape_in_utc():
    decoded = json.loads(handoff_body(notice(inquiry_reference="WMP-1ABC02DE")))
    assert decoded == {
        "event": HANDOFF_EVENT, "delivery_id": "handoff-12",
        "handoff": {"id": 12, "conversation_id": "c-1", "status": "waiting", "language": "ar", "affiliate_id": "wm-fr",
                    "requested_at": "2026-12-06T08:30:05Z", "inquiry_reference": "WMP-1ABC02DE"},
        "links": LINKS,
    }
    assert handoff_body(notice()) == handoff_body(notice())  # the same bytes on every retry


def test_both_links_are_required():
    with pytest.raises(ValueError, match="conversation"):
        handoff_body(notice(links={"inbox": "x"}))


def test_the_email_says_who_asked_in_which_language_and_whether_someone_was_available():
    message = handoff_email(notice(), affiliate_name="Wikimédia France", sender="Intake <intake@intake.example>",
                            to=["a@example.org", "b@example.org"])
    assert message["Message-ID"] == "<handoff-12@intake.example>" and message["To"] == "a@example.org, b@example.org"
    assert "Arabic (ar)" in message["Subject"] and "waiting" in message["Subject"]
    plain, rich = _parts(message)
    assert "A partner asked to talk to a person, in Arabic (ar)." in plain and "Someone was available" in plain
    assert "Routed to: Wikimédia France (wm-fr)" in plain and "2026-12-06 08:30:05 UTC" in plain
    assert LINKS["conversation"] in plain and 'href="https://intake.example/console/conversations/c-1?x=1&amp;y=2"' in rich
    missed = _parts(handoff_email(notice(status="missed", affiliate_id=None), affiliate_name=None,
                                  sender="intake@intake.example", to=["a@example.org"]))[0]
    assert "Nobody was available" in missed and "Someone available: no" in missed and "Routed to" not in missed
