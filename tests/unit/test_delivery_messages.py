"""Unit tests of bot.delivery.messages: the webhook body and the e-mails."""

from __future__ import annotations

import copy
import email
import json
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from bot.delivery import accepted_email_to_partner, routed_email, webhook_body
from bot.delivery.messages import WANTS_PERSON_NOTICE

SENDER = "Wikimedia partnerships <partnerships-intake@intake.example>"
LINKS = {
    "view": "https://intake.example/i/WMP-1ABC02DE",
    "accept": "https://intake.example/r/t1.accept.1700000000.sig?x=1&y=2",
    "decline": "https://intake.example/r/t1.decline.1700000000.sig",
}
INQUIRY: dict[str, Any] = {
    "reference": "WMP-1ABC02DE",
    "conversation_id": "c-1",
    "status": "routed",
    "created_at": "2024-11-24T03:45:12Z",
    "language": "es",
    "partnership_type": "content_donation",
    "organization": {"name": "Museo Nacional & Co", "type": "museum"},
    "country": "ES",
    "region": "ES-CT",
    "content_language": "ca",
    "licence": "cc_by_sa",
    "description": "Digitised <b>posters</b> from 1930.",
    "contact": {"name": "Ana García", "email": "ana@museo.example"},
    "consent": True,
    "qualification": {"tier": "qualified", "reasons": ["CC BY-SA suits Wikimedia Commons."]},
    "routing": {
        "affiliate_id": "wm-es",
        "rule": "country:chapter",
        "reasons": ["Wikimedia España is the chapter for Spain.", "second reason"],
        "alternatives": ["wmf-partnerships"],
    },
}


def inquiry(**changes: Any) -> dict[str, Any]:
    value = copy.deepcopy(INQUIRY)
    value.update(changes)
    return value


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain and HTML bodies, after a round trip through bytes."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",))
    rich = parsed.get_body(preferencelist=("html",))
    assert plain is not None and rich is not None
    return plain.get_content(), rich.get_content()


def test_webhook_body_shape():
    body = webhook_body(delivery_id="d-42", inquiry=INQUIRY, links={**LINKS, "extra": "ignored"})
    decoded = json.loads(body.decode("utf-8"))
    assert decoded == {"event": "inquiry.routed", "delivery_id": "d-42", "inquiry": INQUIRY, "links": LINKS}


def test_webhook_body_is_compact_sorted_utf8():
    body = webhook_body(delivery_id="d-42", inquiry=INQUIRY, links=LINKS)
    text = body.decode("utf-8")
    assert "García" in text  # not \u-escaped
    assert '": ' not in text and '", "' not in text  # compact separators
    assert text.index('"delivery_id"') < text.index('"event"') < text.index('"inquiry"') < text.index('"links"')
    assert body == webhook_body(delivery_id="d-42", inquiry=copy.deepcopy(INQUIRY), links=dict(LINKS))


def test_webhook_body_needs_all_links():
    with pytest.raises(ValueError, match="decline"):
        webhook_body(delivery_id="d", inquiry=INQUIRY, links={"view": "v", "accept": "a"})


def test_routed_email_headers():
    message = routed_email(delivery_id="d-1",
        inquiry=INQUIRY, affiliate_name="Wikimedia España", links=LINKS, sender=SENDER, to=["a@es.example", "b@es.example"]
    )
    assert "WMP-1ABC02DE" in message["Subject"]
    assert "Wikimedia España" in message["Subject"]
    assert message["From"] == SENDER
    assert message["To"] == "a@es.example, b@es.example"
    assert message["Message-ID"].endswith("@intake.example>")
    assert message["Date"]


def test_routed_email_has_the_summary_reason_and_links_in_both_parts():
    message = routed_email(delivery_id="d-1",
        inquiry=INQUIRY, affiliate_name="Wikimedia España", links=LINKS, sender=SENDER, to=["a@es.example"], response_days=5
    )
    plain, rich = parts(message)
    for text in (plain, rich):
        assert "WMP-1ABC02DE" in text
        assert "Wikimedia España is the chapter for Spain." in text
        assert "second reason" not in text
        assert "Spain (ES)" in text and "ES-CT" in text
        assert "Catalan (ca)" in text  # content language
        assert "Spanish (es)" in text  # partner's language
        assert "CC BY-SA" in text
        assert "Museum" in text
        assert "qualified" in text and "CC BY-SA suits Wikimedia Commons." in text
        assert "Ana García" in text and "ana@museo.example" in text
        assert "within 5 days" in text
    assert LINKS["accept"] in plain and LINKS["decline"] in plain and LINKS["view"] in plain
    assert 'href="https://intake.example/r/t1.accept.1700000000.sig?x=1&amp;y=2"' in rich
    assert f'href="{LINKS["decline"]}"' in rich
    assert "Museo Nacional &amp; Co" in rich


def test_routed_email_escapes_partner_html():
    evil = inquiry(
        description='<script>alert("x")</script>',
        organization={"name": "<img src=x onerror=alert(1)>", "type": "museum"},
        contact={"name": "<b>Eve</b>", "email": "eve@example.org"},
    )
    message = routed_email(delivery_id="d-1", inquiry=evil, affiliate_name="WM <ES>", links=LINKS, sender=SENDER, to=["a@es.example"])
    plain, rich = parts(message)
    assert "<script>" not in rich and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rich
    assert "<img" not in rich and "<b>Eve" not in rich and "WM <ES>" not in rich
    assert '<script>alert("x")</script>' in plain  # plain text is shown as is


def test_routed_email_without_contact_or_optional_fields():
    bare = inquiry(
        contact={"name": None, "email": None},
        consent=False,
        licence=None,
        region=None,
        content_language=None,
        country=None,
        routing=None,
        qualification={"tier": "needs_review", "reasons": []},
    )
    message = routed_email(delivery_id="d-1", inquiry=bare, affiliate_name="WMF", links=LINKS, sender=SENDER, to=["x@example.org"])
    plain, rich = parts(message)
    for text in (plain, rich):
        assert "Contact" not in text
        assert "Licence" not in text
        assert "International / online" in text
        assert "needs review" in text
        assert "Why" not in text


def test_routed_email_headers_are_single_line():
    hostile = inquiry(reference="WMP-1\r\nBcc: victim@example.org", organization={"name": "A\nB", "type": None})
    message = routed_email(delivery_id="d-1", inquiry=hostile, affiliate_name="WMF", links=LINKS, sender=SENDER, to=["x@example.org"])
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "[WMP-1 Bcc: victim@example.org] Partnership inquiry for WMF: A B"


def test_routed_email_message_id_from_delivery_id():
    one = routed_email(inquiry=INQUIRY, affiliate_name="W", links=LINKS, sender=SENDER, to=["x@example.org"], delivery_id="d-7")
    two = routed_email(inquiry=INQUIRY, affiliate_name="W", links=LINKS, sender=SENDER, to=["x@example.org"], delivery_id="d-7")
    assert one["Message-ID"] == two["Message-ID"] == "<d-7@intake.example>"
    assert one["X-Intake-Delivery-Id"] == "d-7"


def test_accepted_email_to_partner(delivery_id="d-1", ):
    message = accepted_email_to_partner(delivery_id="d-1", inquiry=INQUIRY, affiliate_name="Wikimedia España", sender=SENDER)
    assert message["To"] == "ana@museo.example"
    assert "WMP-1ABC02DE" in message["Subject"]
    plain, rich = parts(message)
    for text in (plain, rich):
        assert "Wikimedia España" in text
        assert "WMP-1ABC02DE" in text
        assert "Ana García" in text
    assert "Museo Nacional &amp; Co" in rich


def test_accepted_email_needs_consent_and_address():
    with pytest.raises(ValueError):
        accepted_email_to_partner(delivery_id="d-1", inquiry=inquiry(consent=False), affiliate_name="W", sender=SENDER)
    with pytest.raises(ValueError):
        accepted_email_to_partner(delivery_id="d-1", inquiry=inquiry(contact={"name": "A", "email": None}), affiliate_name="W", sender=SENDER)


def test_the_description_is_marked_as_the_partners_own_words_in_their_language():
    plain, rich = parts(routed_email(delivery_id="d-1", inquiry=inquiry(language="es", description="Fotos de la ciudad"),
                                     affiliate_name="Wikimedia España", links=LINKS, sender=SENDER, to=["a@es.example"]))
    assert "Description (the partner's words, in Spanish (es)):\nFotos de la ciudad" in plain
    assert '<p style="white-space: pre-wrap" lang="es" dir="auto">Fotos de la ciudad</p>' in rich
    english, _ = parts(routed_email(delivery_id="d-1", inquiry=inquiry(language="en"), affiliate_name="X", links=LINKS, sender=SENDER,
                                    to=["a@x.example"]))
    assert "\nDescription:\n" in english


# -- a partner who asked for a person and found nobody --------------------------------------
TRANSCRIPT = [
    {"at": "2024-11-24T03:40:00Z", "from": "partner", "text": "¿Puedo hablar con una persona?"},
    {"at": "2024-11-24T03:40:02Z", "from": "bot", "text": "Ahora no hay nadie <disponible>.\nDeje un mensaje."},
]


def test_the_webhook_of_an_inquiry_that_wants_a_person_has_the_notice_and_the_conversation():
    wanting = inquiry(wants_person=True, transcript=TRANSCRIPT)
    decoded = json.loads(webhook_body(delivery_id="d-7", inquiry=wanting, links=LINKS))
    assert decoded["inquiry"] == inquiry(wants_person=True)  # the API's shape, the transcript beside it
    assert decoded["notice"] == WANTS_PERSON_NOTICE and decoded["transcript"] == TRANSCRIPT
    plain = json.loads(webhook_body(delivery_id="d-8", inquiry=inquiry(wants_person=False), links=LINKS))
    assert "notice" not in plain and "transcript" not in plain


def test_the_email_of_an_inquiry_that_wants_a_person_says_so_first_and_shows_the_conversation():
    message = routed_email(delivery_id="d-1", inquiry=inquiry(wants_person=True, transcript=TRANSCRIPT), affiliate_name="Wikimedia España",
                           links=LINKS, sender=SENDER, to=["a@es.example"])
    assert "Wants a person" in message["Subject"] and "WMP-1ABC02DE" in message["Subject"]
    plain, rich = parts(message)
    assert plain.startswith(WANTS_PERSON_NOTICE)
    assert "[2024-11-24 03:40 UTC] Partner: ¿Puedo hablar con una persona?" in plain
    assert "Assistant: Ahora no hay nadie <disponible>.\n    Deje un mensaje." in plain
    assert rich.index(WANTS_PERSON_NOTICE) < rich.index("A partnership inquiry")
    assert "&lt;disponible&gt;" in rich and "<disponible>" not in rich
    ordinary = parts(routed_email(delivery_id="d-1", inquiry=inquiry(transcript=TRANSCRIPT), affiliate_name="Wikimedia España",
                                  links=LINKS, sender=SENDER, to=["a@es.example"]))[0]
    assert WANTS_PERSON_NOTICE not in ordinary and "Puedo hablar" not in ordinary


def test_every_email_the_worker_sends_has_the_message_id_of_its_delivery():
    """The worker's three kinds of e-mail: a resend of the same delivery is the same message."""
    from datetime import datetime, timezone

    from bot.delivery.handoff_notice import HandoffNotice, handoff_email
    from bot.delivery.messages import message_id_for

    notice = HandoffNotice(id=42, conversation_id="c-1", status="waiting", language="es", affiliate_id=None,
                           requested_at=datetime(2024, 11, 24, tzinfo=timezone.utc), inquiry_reference=None,
                           links={"inbox": "https://i.example/h", "conversation": "https://i.example/c"})
    made = {
        "routed": lambda: routed_email(inquiry=INQUIRY, affiliate_name="W", links=LINKS, sender=SENDER,
                                       to=["x@example.org"], delivery_id="d-9"),
        "accepted": lambda: accepted_email_to_partner(inquiry=INQUIRY, affiliate_name="W", sender=SENDER,
                                                      delivery_id="d-9"),
        "handoff": lambda: handoff_email(notice, affiliate_name=None, sender=SENDER, to=["s@example.org"]),
    }
    for kind, make in made.items():
        first, again = make(), make()
        expected = message_id_for("handoff-42" if kind == "handoff" else "d-9", SENDER)
        assert first["Message-ID"] == again["Message-ID"] == expected, kind
    assert message_id_for("d-9", SENDER) == "<d-9@intake.example>"
    # A delivery id cannot break out of the header.
    assert message_id_for("d-9\r\nBcc: x@evil.example", SENDER) == "<d-9Bcc:x@evil.example@intake.example>"


def test_an_organisation_that_worked_with_wikimedia_says_so_in_the_webhook_and_the_email():
    worked = [{"affiliate_id": "wm-fr", "name": "Wikimedia France", "years": [2023, 2024]},
              {"affiliate_id": "wikiedu", "name": "Wiki Education", "years": [2022]}]
    inquiry = {**INQUIRY, "worked_with": worked}
    payload = json.loads(webhook_body(delivery_id="d-1", inquiry=inquiry, links=LINKS))
    assert payload["worked_with"] == worked and "worked_with" not in payload["inquiry"]
    assert "worked_with" not in json.loads(webhook_body(delivery_id="d-1", inquiry=INQUIRY, links=LINKS))
    message = routed_email(inquiry=inquiry, affiliate_name="Wikimedia España", links=LINKS, sender=SENDER,
                           to=["a@example.org"], delivery_id="d-1")
    sentence = "This organisation worked with Wikimedia France in 2023 and 2024; with Wiki Education in 2022."
    assert sentence in message.get_body(("plain",)).get_content()
    assert sentence in message.get_body(("html",)).get_content()
    plain = routed_email(inquiry=INQUIRY, affiliate_name="Wikimedia España", links=LINKS, sender=SENDER,
                         to=["a@example.org"], delivery_id="d-1")
    assert "worked with" not in plain.get_body(("plain",)).get_content()
