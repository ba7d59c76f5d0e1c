"""The partners' monthly recognition reports: built from the local Commons / Commons Impact
Metrics fake (tests/data/commons, the APIs' real shapes) and sent through a real SMTP server
(aiosmtpd) against real databases; once per partnership and month, only to partners who
consented and still have contact data, retried when Commons is down, in the inquiry's language,
and stopped by the signed link they carry."""
from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message

import pytest
from commons_fake import CATEGORY, running_fake
from console_helpers import console_client
from fakes import FakeDecision
from receivers import SmtpServer
from sqlalchemy import select

from bot.delivery.endpoints import load_endpoints
from bot.delivery.lifecycle import accept_inquiry
from bot.delivery.recognition import TEXTS, stop_claim, stop_link
from bot.i18n.catalog import supported_languages
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store import submit_inquiry
from bot.store.clock import as_utc, utcnow
from bot.store.erasure import erase
from bot.store.partnerships import Outcome, save_partnership
from bot.store.recognition_reports import stop_reports
from bot.store.tables import inquiries, partnerships, recognition_reports
from integrations.commons.client import CommonsClient
from integrations.delivery.links import LinkMaker
from integrations.delivery.recognition_reports import RecognitionReporter
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.worker import Worker

DECEMBER = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
PUBLIC = "https://intake.example"
SECRET = "a-link-secret-for-the-tests-only-0123456789"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _partnership(session, key: str, *, consent: bool = True, language: str = "fr",
                 kind: PartnershipType = PartnershipType.CONTENT_DONATION, category: str | None = CATEGORY) -> int:
    inquiry = Inquiry(conversation_id=f"c-{key}", partnership_type=kind, organization_name=f"Musée {key}",
                      organization_type=OrganizationType.MUSEUM, country="FR", description="photos",
                      contact_name="Camille Martin", contact_email=f"{key}@museum.example", consent=consent,
                      language=language)
    reference = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                               decision=FakeDecision(affiliate_id="wm-fr")).reference
    accept_inquiry(session=session, reference=reference, affiliate_id="wm-fr", actor="affiliate:wm-fr")
    inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == reference))
    save_partnership(session=session, inquiry_id=inquiry_id, actor="affiliate:wm-fr:a@wm-fr.example",
                     outcome=Outcome.parse({"status": "active", "commons_category": category}))
    return int(session.scalar(select(partnerships.c.id).where(partnerships.c.inquiry_id == inquiry_id)))


def _reporter(sessionmaker, fake, smtp_port: int) -> RecognitionReporter:
    return RecognitionReporter(
        sessionmaker=sessionmaker, client=CommonsClient(fake.api_url, fake.metrics_url, contact="p@example.org",
                                                        timeout=2),
        smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp_port, security="plain", timeout=5)),
        public_url=PUBLIC, mail_from="intake@example.org", link_secret=SECRET)


async def _runs(sessionmaker, fake, smtp_port, *moments) -> list[dict[str, int]]:
    reporter = _reporter(sessionmaker, fake, smtp_port)
    try:
        return [await reporter.run_once(now=moment) for moment in moments]
    finally:
        await reporter.client.close()
        await reporter.smtp.close()


def _plain(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def test_a_report_goes_once_a_month_only_to_partners_who_consented_and_kept_their_data(sessionmaker, smtp):
    with sessionmaker.begin() as session:
        ids = {"fr": _partnership(session, "fr"), "de": _partnership(session, "de", language="de"),
               "ar": _partnership(session, "ar", language="ar"),
               "noconsent": _partnership(session, "noconsent", consent=False),
               "erased": _partnership(session, "erased"),
               "nocategory": _partnership(session, "nocategory", category=None),
               "event": _partnership(session, "event", kind=PartnershipType.EVENT)}
        erase(session=session, selector="email", value="erased@museum.example", actor="staff:test")

    async def scenario():
        async with running_fake() as fake:
            runs = await _runs(sessionmaker, fake, smtp.port, DECEMBER, DECEMBER + timedelta(days=3))
            later = await _runs(sessionmaker, fake, smtp.port, DECEMBER + timedelta(days=31))
            return runs + later
    assert asyncio.run(scenario()) == [{"sent": 3, "failed": 0}, {"sent": 0, "failed": 0}, {"sent": 3, "failed": 0}]
    mails = [m for m in smtp.inbox.messages]
    assert sorted(m["To"] for m in mails[:3]) == ["ar@museum.example", "de@museum.example", "fr@museum.example"]
    fr = next(m for m in mails if m["To"] == "fr@museum.example")
    body = _plain(fr)
    assert str(make_header(decode_header(fr["Subject"]))) == "Vos fichiers sur Wikimedia Commons : le bilan de novembre 2026"
    assert "Bonjour Camille Martin," in body
    assert "- Fichiers dans la catégorie: 3" in body and "- Articles qui les utilisent: 3" in body
    assert "- Vues en novembre 2026 des pages qui les montrent: 48\u202f213" in body
    assert "https://commons.wikimedia.org/wiki/Category:Mus%C3%A9e_de_Bretagne" in body
    assert fr["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    de = _plain(next(m for m in mails if m["To"] == "de@museum.example"))
    assert "Dateien in der Kategorie: 3" in de and "im November 2026" in de
    ar_html = next(m for m in mails if m["To"] == "ar@museum.example").get_payload()[1].get_payload(decode=True).decode()
    assert 'dir="rtl"' in ar_html and "عدد الملفات في التصنيف" in ar_html
    with sessionmaker() as session:
        rows = session.execute(select(recognition_reports.c.partnership_id, recognition_reports.c.month,
                                      recognition_reports.c.files, recognition_reports.c.articles,
                                      recognition_reports.c.views)).all()
    assert {(r.partnership_id, r.month.isoformat()) for r in rows} == {
        (ids[k], m) for k in ("fr", "de", "ar") for m in ("2026-11-01", "2026-12-01")}
    # The fake's views are November's: December's report counts none of them (only its own month's).
    assert {(r.month.month, r.files, r.articles, r.views) for r in rows} == {(11, 3, 3, 48213), (12, 3, 3, 0)}


def test_commons_down_leaves_the_report_to_a_later_try(sessionmaker, smtp):
    with sessionmaker.begin() as session:
        pid = _partnership(session, "fr")

    async def scenario():
        async with running_fake(mode="500") as fake:
            first = await _runs(sessionmaker, fake, smtp.port, DECEMBER)
            fake.mode = "ok"
            soon = await _runs(sessionmaker, fake, smtp.port, DECEMBER + timedelta(minutes=5))
            later = await _runs(sessionmaker, fake, smtp.port, DECEMBER + timedelta(hours=2))
            return first + soon + later
    assert asyncio.run(scenario()) == [{"sent": 0, "failed": 1}, {"sent": 0, "failed": 0}, {"sent": 1, "failed": 0}]
    with sessionmaker() as session:
        row = session.execute(select(recognition_reports).where(recognition_reports.c.partnership_id == pid)).one()
    assert row.attempts == 2 and row.sent_at is not None and len(smtp.inbox.messages) == 1


def test_an_untracked_category_gets_a_report_without_views(sessionmaker, smtp):
    with sessionmaker.begin() as session:
        _partnership(session, "es", language="es")

    async def scenario():
        async with running_fake(metrics_mode="404") as fake:
            return await _runs(sessionmaker, fake, smtp.port, DECEMBER)
    assert asyncio.run(scenario()) == [{"sent": 1, "failed": 0}]
    body = _plain(smtp.inbox.messages[0])
    assert "Visitas" not in body and TEXTS["es"]["no_views"] in body


def test_the_unsubscribe_link_is_signed_and_stops_the_reports(sessionmaker, smtp):
    with sessionmaker.begin() as session:
        pid = _partnership(session, "fr")
    link = stop_link(PUBLIC, pid, SECRET, now=DECEMBER)
    token = link.rsplit("/", 1)[1]
    now = int(DECEMBER.timestamp())
    assert stop_claim(token, SECRET, now=now) == pid
    assert stop_claim(token, "another-secret", now=now) is None
    assert stop_claim(token.replace(f"p{pid}.", f"p{pid + 1}."), SECRET, now=now) is None
    assert stop_claim(token, SECRET, now=now + 401 * 86400) is None
    with sessionmaker.begin() as session:
        assert stop_reports(session=session, partnership_id=pid, now=DECEMBER)

    async def scenario():
        async with running_fake() as fake:
            return await _runs(sessionmaker, fake, smtp.port, DECEMBER + timedelta(minutes=1))
    assert asyncio.run(scenario()) == [{"sent": 0, "failed": 0}]
    assert re.fullmatch(r"https://intake\.example/reports/stop/p\d+\.stop_reports\.\d+\.[A-Za-z0-9_-]{22}", link)


def test_the_report_is_written_in_each_of_the_assistants_languages():
    assert set(TEXTS) == set(supported_languages())
    keys = set(TEXTS["en"])
    assert all(set(texts) == keys for texts in TEXTS.values())
    for key in keys:
        assert len({texts[key] for texts in TEXTS.values()}) == len(TEXTS), key


def test_the_worker_delivers_while_commons_hangs_and_reports_once_it_answers(sessionmaker, smtp, tmp_path):
    """The whole worker: an inquiry's e-mail goes out while the report's Commons request hangs
    (the reports have their own loop); the hung report is given up after the timeout and sent
    on a later try."""
    path = tmp_path / "endpoints.yml"
    path.write_text("default:\n  email: ['glam@example.org']\n")
    affiliates = [a.id for a in default_router().directory.affiliates]
    endpoints = load_endpoints(path, known_affiliates=affiliates)
    with sessionmaker.begin() as session:
        pid = _partnership(session, "fr")
    submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="conv-new", slots={
        "language": "fr", "partnership_type": "content_donation", "organization_type": "museum",
        "organization_name": "Musée des Beaux-Arts", "country": "FR", "content_language": "fr",
        "licence": "cc_by_sa", "project_description": "Des photographies", "consent": False,
    }, endpoints=endpoints)

    def delivered() -> bool:
        return bool(smtp.wait_for(lambda m: m["To"] == "glam@example.org", timeout=0.01))

    def failed() -> bool:
        with sessionmaker() as session:
            row = session.execute(select(recognition_reports.c.claimed_until, recognition_reports.c.sent_at)
                                  .where(recognition_reports.c.partnership_id == pid)).first()
        # Waiting for a retry: unsent, its claim running for the retry delay (past the first lease).
        return row is not None and row.sent_at is None and as_utc(row.claimed_until) > utcnow() + timedelta(minutes=30)

    async def scenario():
        async with running_fake(mode="hang") as fake:
            reporter = _reporter(sessionmaker, fake, smtp.port)
            reporter.client = CommonsClient(fake.api_url, fake.metrics_url, contact="p@example.org", timeout=4)
            worker = Worker(
                sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=5),
                smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp.port, security="plain", timeout=5)),
                links=LinkMaker("http://console.test", "l" * 32), affiliate_names={a: a for a in affiliates},
                mail_from="intake@intake.example", poll_seconds=0.05, recognition=reporter)
            stop = asyncio.Event()
            started = time.monotonic()
            task = asyncio.create_task(worker.run(stop))
            try:
                sent = await _until(delivered, 20)
                sent_after = time.monotonic() - started
                hanging = bool(fake.requests) and not smtp.wait_for(lambda m: m["To"] == "fr@museum.example", 0.01)
                gave_up = await _until(failed, 20)
            finally:
                stop.set()
                await task
            fake.mode = "ok"
            later = await worker.send_recognition_reports(now=utcnow() + timedelta(hours=2))
            await reporter.client.close()
            await worker.webhook.close()
            return sent, sent_after, hanging, gave_up, later

    sent, sent_after, hanging, gave_up, later = asyncio.run(scenario())
    assert sent and sent_after < 3.5 and hanging, "the e-mail went out while the report's request hung"
    assert gave_up and later == {"sent": 1, "failed": 0}


async def _until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.05)
    return False


def test_the_link_in_the_report_stops_the_reports_after_a_confirmation(db_url, sessionmaker, smtp):
    with sessionmaker.begin() as session:
        pid = _partnership(session, "ar", language="ar")

    async def scenario():
        async with running_fake() as fake:
            await _runs(sessionmaker, fake, smtp.port, DECEMBER)
            path = re.search(r"https://intake\.example(/reports/stop/\S+)", _plain(smtp.inbox.messages[0])).group(1)
            client = await console_client(db_url, link_secret=SECRET)
            try:
                shown = await client.get(path)
                page = await shown.text()
                with sessionmaker() as session:  # a GET (a mail scanner's prefetch) stops nothing
                    untouched = session.scalar(select(partnerships.c.reports_stopped_at)) is None
                forged = await client.post(path[:-3] + "AAA")
                stopped = await client.post(path, data={"List-Unsubscribe": "One-Click"})
                done = await stopped.text()
            finally:
                await client.close()
            later = await _runs(sessionmaker, fake, smtp.port, DECEMBER + timedelta(days=31))
            return shown, page, untouched, forged.status, stopped.status, done, later
    shown, page, untouched, forged, stopped, done, later = asyncio.run(scenario())
    assert shown.status == 200 and shown.headers["Cache-Control"] == "no-store"
    assert 'lang="ar" dir="rtl"' in page and TEXTS["ar"]["stop_button"] in page and untouched
    assert forged == 410
    assert stopped == 200 and TEXTS["ar"]["stopped_title"] in done
    assert later == [{"sent": 0, "failed": 0}]
    with sessionmaker() as session:
        assert session.scalar(select(partnerships.c.reports_stopped_at).where(partnerships.c.id == pid)) is not None
