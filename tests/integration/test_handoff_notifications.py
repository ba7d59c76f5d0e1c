"""Hand-off notices from the delivery worker against real databases, real HTTP receivers and a
real SMTP server; inquiries of partners who asked for a person in vain, delivered with the
conversation."""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from console_helpers import add_accounts, console_client, log_in
from rasa_events import bot, create_events_table, session_started, slot, user, write_events
from receivers import SmtpServer, WebhookReceiver
from sqlalchemy import select

from bot.delivery.endpoints import load_endpoints
from bot.delivery.signing import verify_standard_webhook
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.staff.passwords import hash_password
from bot.store import get_inquiry
from bot.store.accounts.users import add_user
from bot.store.handoffs import claim_notifications, heartbeat, request_handoff
from bot.store.tables import handoffs
from integrations.console.pages.conversations import LIST as CONVERSATIONS
from integrations.delivery.handoff_notices import HandoffNotifier
from integrations.delivery.links import CONVERSATION_PATH, LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker

try:  # the official Standard Webhooks library, when installed; else the project's own verifier
    from standardwebhooks import Webhook
except ImportError:  # pragma: no cover - it is in the lock file
    Webhook = None

STAFF_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AFFILIATE_SECRET = "whsec_" + "QWZmaWxpYXRlLXNlY3JldC1mb3ItdGVzdHM="
STAFF_MAIL = ("handoffs@example.org", "duty@example.org")
PUBLIC = "https://intake.example.org"
SLOTS = {
    "language": "fr", "partnership_type": "content_donation", "organization_name": "Musée Secret de Lyon",
    "organization_type": "museum", "country": "FR", "content_language": "fr", "licence": "cc_by_sa",
    "project_description": "Deux mille photos de la collection", "consent": True, "contact_name": "Camille Dupont",
    "contact_email": "camille@example.org",
}
PERSONAL = ("Camille", "camille@example.org", "Musée Secret", "Deux mille photos")


@pytest.fixture
def staff_hook():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def affiliate_hook():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def endpoints(tmp_path, affiliate_hook):
    path = tmp_path / "endpoints.yml"
    path.write_text("affiliates:\n  wm-fr:\n"
                    f"    webhook: {{url: '{affiliate_hook.url}', secret: '{AFFILIATE_SECRET}'}}\n")
    return load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])


def _notifier(sessionmaker, *, smtp_port: int = 1, staff_url: str = "", emails: tuple[str, ...] = (),
              endpoints=None) -> HandoffNotifier:
    return HandoffNotifier(
        sessionmaker=sessionmaker, webhook=WebhookSender(timeout=5),
        smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp_port, security="plain", timeout=5)),
        public_url=PUBLIC, mail_from="intake@example.org", emails=emails, webhook_url=staff_url,
        webhook_secret=STAFF_SECRET if staff_url else "", endpoints=endpoints,
        affiliate_names={a.id: a.name for a in default_router().directory.affiliates},
    )


async def _rounds(notifier: HandoffNotifier, *moments: datetime) -> list[int]:
    try:
        return [await notifier.run_once(now=moment) for moment in moments]
    finally:
        await notifier.webhook.close()


def _later(**delta: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(**delta)


def _someone_available(sessionmaker) -> None:
    with sessionmaker.begin() as session:
        person = add_user(session=session, email="staff@example.org", role="staff", affiliate_id=None,
                          password_hash=hash_password("correct horse battery"))
        heartbeat(session, user_id=person.id, now=datetime.now(timezone.utc))


def _submit(sessionmaker, conversation_id: str, endpoints=None) -> str:
    return submit(sessionmaker=sessionmaker, router=default_router(), conversation_id=conversation_id,
                  slots=SLOTS, endpoints=endpoints).reference


def _ask(sessionmaker, conversation_id: str) -> dict:
    with sessionmaker.begin() as session:
        return request_handoff(session, conversation_id=conversation_id, language="fr",
                               now=datetime.now(timezone.utc))[0]


def _row(sessionmaker, handoff_id: int):
    with sessionmaker.begin() as session:
        return session.execute(select(handoffs).where(handoffs.c.id == handoff_id)).one()


def _parts(mail) -> dict[str, str]:
    """{content type: decoded text} of a received message's parts."""
    return {part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            for part in mail.walk() if not part.is_multipart()}


def _verified(request, secret: str) -> dict:
    if Webhook is not None:
        return Webhook(secret).verify(request.body, dict(request.headers))
    assert verify_standard_webhook(request.body, request.headers, secret, now=int(time.time()))
    return json.loads(request.body)


def test_a_notice_reaches_staff_by_mail_and_webhook_and_the_affiliate_by_its_webhook(
        sessionmaker, endpoints, staff_hook, affiliate_hook, smtp):
    reference = _submit(sessionmaker, "conv-waiting")  # routed to wm-fr (no deliveries: no endpoints given)
    _someone_available(sessionmaker)
    handoff = _ask(sessionmaker, "conv-waiting")
    assert handoff["status"] == "waiting" and handoff["affiliate_id"] == "wm-fr"
    notifier = _notifier(sessionmaker, smtp_port=smtp.port, staff_url=staff_hook.url, emails=STAFF_MAIL,
                         endpoints=endpoints)
    assert asyncio.run(_rounds(notifier, _later(seconds=1))) == [1]

    (to_staff,), (to_affiliate,) = staff_hook.requests, affiliate_hook.requests
    payload = _verified(to_staff, STAFF_SECRET)
    assert _verified(to_affiliate, AFFILIATE_SECRET) == payload
    delivery_id = f"handoff-{handoff['id']}"
    assert payload == {
        "event": "conversation.handoff_requested", "delivery_id": delivery_id,
        "handoff": {"id": handoff["id"], "conversation_id": "conv-waiting", "status": "waiting", "language": "fr",
                    "affiliate_id": "wm-fr", "requested_at": payload["handoff"]["requested_at"],
                    "inquiry_reference": reference},
        "links": {"inbox": f"{PUBLIC}/console/handoffs", "conversation": f"{PUBLIC}/console/conversations/conv-waiting"},
    }
    assert payload["handoff"]["requested_at"].endswith("Z")
    for request in (to_staff, to_affiliate):
        assert request.headers["Idempotency-Key"] == request.headers["webhook-id"] == delivery_id
        assert not any(word in request.body.decode() for word in PERSONAL)  # no personal data in the body

    (mail,) = smtp.wait_for(lambda m: "asked for a person" in (m["Subject"] or ""), timeout=5)
    assert set(STAFF_MAIL) <= {a.strip() for a in mail["To"].split(",")}
    assert mail["X-Intake-Delivery-Id"] == delivery_id and reference in mail["Subject"]
    kinds = _parts(mail)
    assert set(kinds) == {"text/plain", "text/html"}
    text = kinds["text/plain"]
    assert "French (fr)" in text and "Someone was available" in text and "Wikimédia France" in text
    assert f"{PUBLIC}/console/handoffs" in text and f"{PUBLIC}/console/conversations/conv-waiting" in text
    assert not any(word in body for word in PERSONAL for body in kinds.values())

    row = _row(sessionmaker, handoff["id"])
    assert (row.notify_status, row.notify_attempts, row.notify_error) == ("sent", 1, None)


def test_a_500_is_retried_under_the_same_id_and_nothing_is_sent_twice_after_success(sessionmaker, staff_hook):
    handoff = _ask(sessionmaker, "conv-retry")  # nobody available: missed
    staff_hook.statuses = [500]
    notifier = _notifier(sessionmaker, staff_url=staff_hook.url)
    assert asyncio.run(_rounds(notifier, _later(seconds=1))) == [1]
    row = _row(sessionmaker, handoff["id"])
    assert row.notify_status == "pending" and row.notify_attempts == 1
    assert "HTTP 500" in row.notify_error and "conv-retry" not in row.notify_error
    # Not due again before its back-off; due after it; then never again.
    notifier = _notifier(sessionmaker, staff_url=staff_hook.url)
    assert asyncio.run(_rounds(notifier, _later(seconds=2), _later(hours=1), _later(hours=2), _later(days=3))) \
        == [0, 1, 0, 0]
    first, second = staff_hook.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"handoff-{handoff['id']}"
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] and first.body == second.body
    assert _verified(second, STAFF_SECRET)["handoff"]["status"] == "missed"
    row = _row(sessionmaker, handoff["id"])
    assert (row.notify_status, row.notify_attempts, row.notify_error) == ("sent", 2, None)


def test_a_notice_is_leased_to_one_worker_at_a_time(sessionmaker):
    handoff = _ask(sessionmaker, "conv-lease")
    now = _later(seconds=1)
    with sessionmaker.begin() as session:
        assert [r["id"] for r in claim_notifications(session, now=now, lease_seconds=60)] == [handoff["id"]]
    with sessionmaker.begin() as session:
        assert claim_notifications(session, now=now, lease_seconds=60) == []  # another worker: nothing
        # A worker killed after its claim: the notice comes back when the lease is over.
        assert [r["id"] for r in claim_notifications(session, now=now + timedelta(seconds=61))] == [handoff["id"]]


def test_with_nothing_configured_the_notice_counts_as_sent(sessionmaker):
    handoff = _ask(sessionmaker, "conv-quiet")
    assert asyncio.run(_rounds(_notifier(sessionmaker), _later(seconds=1))) == [1]
    row = _row(sessionmaker, handoff["id"])
    assert (row.notify_status, row.notify_error) == ("sent", None)


def test_the_mail_of_a_missed_handoff_says_nobody_was_available(sessionmaker, smtp):
    _ask(sessionmaker, "conv-missed")
    asyncio.run(_rounds(_notifier(sessionmaker, smtp_port=smtp.port, emails=STAFF_MAIL), _later(seconds=1)))
    (mail,) = smtp.wait_for(lambda m: "nobody was available" in (m["Subject"] or ""), timeout=5)
    text = _parts(mail)["text/plain"]
    assert "Nobody was available" in text and "Someone available: no" in text


def test_the_worker_sends_notices_each_round(sessionmaker, staff_hook):
    _ask(sessionmaker, "conv-worker")
    notifier = _notifier(sessionmaker, staff_url=staff_hook.url)
    worker = Worker(sessionmaker=sessionmaker, endpoints=None, webhook=notifier.webhook, smtp=notifier.smtp,
                    links=LinkMaker(PUBLIC, "l" * 32), affiliate_names={}, mail_from="intake@example.org",
                    poll_seconds=0.05, handoffs=notifier)

    async def run_briefly() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        deadline = time.monotonic() + 10
        while not staff_hook.requests and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await task
        await worker.webhook.close()

    asyncio.run(run_briefly())
    assert len(staff_hook.requests) == 1


def test_the_conversation_link_is_the_consoles_transcript_page():
    assert CONVERSATION_PATH == CONVERSATIONS + "/{conversation_id}"


# --- inquiries of partners who wanted a person -------------------------------------------------

def test_an_inquiry_left_after_a_missed_handoff_wants_a_person(sessionmaker):
    _ask(sessionmaker, "conv-left-message")  # nobody available, then the partner fills in the form
    reference = _submit(sessionmaker, "conv-left-message")
    plain = _submit(sessionmaker, "conv-plain")
    with sessionmaker.begin() as session:
        assert get_inquiry(session=session, reference=reference)["wants_person"] is True
        assert get_inquiry(session=session, reference=plain)["wants_person"] is False


def test_an_inquiry_that_wants_a_person_is_delivered_with_the_conversation(engine, sessionmaker, tmp_path,
                                                                            affiliate_hook, smtp):
    create_events_table(engine)
    t = 1_800_000_000.0
    write_events(engine, "conv-person", [
        session_started(t=t), user("Bonjour, je voudrais parler à quelqu'un", "request_human", t=t + 1),
        bot("Personne n'est disponible pour le moment. Laissez-nous un message.", t=t + 2),
        slot("organization_name", "Musée Secret de Lyon", t=t + 3),
        user("Nous avons des photos", "inform", t=t + 4),
    ])
    path = tmp_path / "endpoints.yml"
    path.write_text("affiliates:\n  wm-fr:\n"
                    f"    webhook: {{url: '{affiliate_hook.url}', secret: '{AFFILIATE_SECRET}'}}\n"
                    "    email: ['glam@wikimedia.fr']\n")
    endpoints = load_endpoints(path, known_affiliates=[a.id for a in default_router().directory.affiliates])
    _ask(sessionmaker, "conv-person")
    reference = _submit(sessionmaker, "conv-person", endpoints)
    worker = Worker(
        sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=5),
        smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp.port, security="plain", timeout=5)),
        links=LinkMaker(PUBLIC, "l" * 32), affiliate_names={a.id: a.name for a in default_router().directory.affiliates},
        mail_from="intake@example.org",
    )

    async def once() -> None:
        try:
            await worker.run_once(now=_later(seconds=1))
        finally:
            await worker.webhook.close()

    asyncio.run(once())
    routed = [json.loads(r.body) for r in affiliate_hook.requests if json.loads(r.body)["event"] == "inquiry.routed"]
    (payload,) = routed
    assert payload["inquiry"]["wants_person"] is True and "transcript" not in payload["inquiry"]
    assert payload["notice"].startswith("The partner asked to talk to a person")
    assert [(line["from"], line["text"]) for line in payload["transcript"]] == [
        ("partner", "Bonjour, je voudrais parler à quelqu'un"),
        ("bot", "Personne n'est disponible pour le moment. Laissez-nous un message."),
        ("partner", "Nous avons des photos"),
    ]
    assert payload["transcript"][0]["at"] == "2027-01-15T08:00:01Z"
    (mail,) = smtp.wait_for(lambda m: reference in (m["Subject"] or ""), timeout=5)
    assert "Wants a person" in mail["Subject"]
    text = _parts(mail)["text/plain"]
    assert text.startswith("The partner asked to talk to a person: nobody was available, please write to them soon.")
    assert "Partner: Nous avons des photos" in text and "Assistant: Personne n'est disponible" in text


def test_without_a_tracker_table_the_transcript_is_empty(sessionmaker):
    from bot.store.console.transcripts import delivered_transcript

    with sessionmaker.begin() as session:
        assert delivered_transcript(session=session, conversation_id="nobody", consent=True) == []


@pytest.mark.asyncio
async def test_the_console_shows_a_wants_a_person_badge(db_url, sessionmaker):
    _ask(sessionmaker, "conv-badge")
    wanting = _submit(sessionmaker, "conv-badge")
    plain = _submit(sessionmaker, "conv-no-badge")
    add_accounts(sessionmaker, {"staff@example.org": None})
    client = await console_client(db_url)
    try:
        await log_in(client, "staff@example.org")
        assert "Wants a person." in await (await client.get(f"/console/inquiries/{wanting}")).text()
        assert "Wants a person." not in await (await client.get(f"/console/inquiries/{plain}")).text()
        listed = await (await client.get("/console/inquiries")).text()
        assert listed.count('<span class="badge wants-person">wants a person</span>') == 1
    finally:
        await client.close()
