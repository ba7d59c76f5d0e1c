"""bot.staff.affiliate_view: what an affiliate may see of an inquiry, decided in one pure function."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.staff.affiliate_view import actor_label, affiliate_view, mask_people

T0 = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


DECISIONS = [
    {"id": 1, "affiliate_id": "wm-fr", "rule": "country:chapter", "reasons": ["chapter of France"],
     "alternatives": ["ug-fr-glam", "wmf-partnerships"], "created_at": at(0), "is_current": False},
    {"id": 2, "affiliate_id": "ug-fr-glam", "rule": "reroute",
     "reasons": ["wm-fr declined or did not answer: not ours", "ug-fr-glam is the next alternative after wm-fr."],
     "alternatives": ["wmf-partnerships"], "created_at": at(5), "is_current": True},
]
HISTORY = [
    {"from_status": None, "to_status": "routed", "actor": "assistant", "reason": None, "created_at": at(0)},
    {"from_status": "routed", "to_status": "declined", "actor": "affiliate:wm-fr:marie@wikimedia.fr",
     "reason": "wm-fr declined or did not answer: not ours", "created_at": at(5)},
    {"from_status": "declined", "to_status": "routed", "actor": "affiliate:wm-fr:marie@wikimedia.fr",
     "reason": "re-routed to ug-fr-glam", "created_at": at(5)},
    {"from_status": "routed", "to_status": "accepted", "actor": "affiliate:ug-fr-glam:paul@glam.example",
     "reason": "accepted by ug-fr-glam", "created_at": at(8)},
]
NOTES = [
    {"author": "ana@wikimedia.org", "author_role": "staff", "author_affiliate_id": None, "visibility": "staff",
     "body": "staff only: budget", "created_at": at(1)},
    {"author": "ana@wikimedia.org", "author_role": "staff", "author_affiliate_id": None, "visibility": "shared",
     "body": "please call them", "created_at": at(2)},
    {"author": "marie@wikimedia.fr", "author_role": "affiliate", "author_affiliate_id": "wm-fr", "visibility": "shared",
     "body": "we looked at it", "created_at": at(3)},
    {"author": "paul@glam.example", "author_role": "affiliate", "author_affiliate_id": "ug-fr-glam",
     "visibility": "shared", "body": "signed the agreement", "created_at": at(9)},
]
INQUIRY = {
    "reference": "WMP-1", "status": "accepted", "contact": {"name": "Camille", "email": "camille@example.org"},
    "routing": {"affiliate_id": "ug-fr-glam", "rule": "reroute", "reasons": DECISIONS[1]["reasons"],
                "alternatives": ["wmf-partnerships"]},
    "decisions": DECISIONS, "history": HISTORY, "notes": NOTES,
    "deliveries": [{"affiliate_id": "wm-fr", "channel": "webhook"}, {"affiliate_id": "ug-fr-glam", "channel": "email"}],
}


def view(affiliate_id: str) -> dict:
    return affiliate_view(INQUIRY, affiliate_id=affiliate_id, decisions=DECISIONS, history=HISTORY)


def test_after_a_decline_the_affiliate_sees_only_what_it_saw_while_holding():
    fr = view("wm-fr")
    assert fr["holding"] is False
    assert fr["status"] == "declined"
    assert fr["contact"] == {"name": None, "email": None}
    assert fr["routing"] == {"affiliate_id": "wm-fr", "rule": "country:chapter", "reasons": ["chapter of France"],
                             "alternatives": ["ug-fr-glam", "wmf-partnerships"]}
    assert [d["id"] for d in fr["decisions"]] == [1]
    assert [h["to_status"] for h in fr["history"]] == ["routed", "declined"]
    assert [n["body"] for n in fr["notes"]] == ["please call them", "we looked at it"]
    assert [d["affiliate_id"] for d in fr["deliveries"]] == ["wm-fr"]
    # Its own alternatives name ug-fr-glam (it saw them); nothing says the inquiry went there.
    assert "ug-fr-glam" not in str({k: fr[k] for k in ("status", "history", "notes", "deliveries")})


def test_the_holder_sees_everything_but_staff_notes_others_deliveries_and_others_addresses():
    glam = view("ug-fr-glam")
    assert glam["holding"] is True and glam["status"] == "accepted"
    assert glam["contact"]["email"] == "camille@example.org"
    assert [d["id"] for d in glam["decisions"]] == [1, 2]
    assert "staff only: budget" not in [n["body"] for n in glam["notes"]]
    assert [n["author"] for n in glam["notes"]] == ["Wikimedia staff", "another affiliate", "paul@glam.example"]
    assert [h["actor"] for h in glam["history"]] == ["assistant", "another affiliate", "another affiliate",
                                                     "affiliate:ug-fr-glam:paul@glam.example"]
    assert [d["affiliate_id"] for d in glam["deliveries"]] == ["ug-fr-glam"]
    assert "marie@" not in str(glam["history"]) and "ana@" not in str(glam["notes"])


def test_the_view_leaves_the_record_alone():
    before = repr(INQUIRY)
    view("wm-fr")
    assert repr(INQUIRY) == before


def test_people_in_texts_are_named_by_their_role():
    assert mask_people("Re-assigned by staff:ana@wikimedia.org: wrong country", "wm-fr") == \
        "Re-assigned by Wikimedia staff: wrong country"
    assert mask_people("ask bob@example.org", "wm-fr") == "ask (address)"
    assert mask_people("affiliate:wm-fr:me@wm.fr and affiliate:wm-de:them@wm.de", "wm-fr") == \
        "affiliate:wm-fr:me@wm.fr and another affiliate"
    assert (actor_label("affiliate:wm-de", "wm-fr"), actor_label("staff:x@y.org", "wm-fr"),
            actor_label("delivery-worker", "wm-fr")) == ("another affiliate", "Wikimedia staff", "delivery-worker")
