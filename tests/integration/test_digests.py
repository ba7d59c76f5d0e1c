"""The affiliates' daily e-mail digest: the setting on the account page, and the delivery
worker's sending through a real SMTP server (aiosmtpd) against real databases: once per account
and day however often it runs, retried after an SMTP failure, in the account's language (else the
affiliate's), listing only the inquiries waiting for that affiliate's answer."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from receivers import SmtpServer
from sqlalchemy import select, update

from bot.delivery.digest import TEXTS
from bot.delivery.lifecycle import accept_inquiry
from bot.i18n.catalog import supported_languages
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.staff.accounts import DIGESTS
from bot.store import submit_inquiry
from bot.store.accounts.users import set_digest, user_by_email
from bot.store.tables import digests, inquiries, routing_decisions
from integrations.delivery.digests import DigestSender
from integrations.delivery.senders import SmtpSender

STAFF, FR, FR2, DE, OFF = "staff@example.org", "marie@fr.example", "luc@fr.example", "anna@de.example", "off@fr.example"
MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)
PUBLIC = "https://console.example"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world(sessionmaker) -> dict[str, str]:
    """wm-fr: `old` (routed two days before MORNING, due yesterday), `new` (routed last night),
    `taken` (accepted), `other` with wm-de. Marie: daily in Spanish; Luc: daily, no language;
    Anna (wm-de): daily; off@: off."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", FR2: "wm-fr", DE: "wm-de", OFF: "wm-fr"})
    refs = {}
    with sessionmaker.begin() as session:
        for key, affiliate, routed_at, due in (
            ("old", "wm-fr", MORNING - timedelta(days=2), MORNING - timedelta(days=1)),
            ("new", "wm-fr", MORNING - timedelta(hours=9), MORNING + timedelta(days=6)),
            ("taken", "wm-fr", MORNING - timedelta(hours=8), None),
            ("other", "wm-de", MORNING - timedelta(hours=8), None),
        ):
            inquiry = Inquiry(conversation_id=f"c-{key}", partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=f"Musée {key}", organization_type=OrganizationType.MUSEUM,
                              country="FR", description="photos", contact_name="Camille Secret",
                              contact_email="camille@secret.example", consent=True)
            refs[key] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                       decision=FakeDecision(affiliate_id=affiliate)).reference
            inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == refs[key]))
            session.execute(update(routing_decisions).where(routing_decisions.c.inquiry_id == inquiry_id)
                            .values(created_at=routed_at, response_due_at=due))
        accept_inquiry(session=session, reference=refs["taken"], affiliate_id="wm-fr", actor="affiliate:wm-fr")
        for email, language in ((FR, "es"), (FR2, None), (DE, None)):
            user = user_by_email(session=session, email=email)
            set_digest(session=session, user_id=user.id, digest="daily", language=language)
    return refs


def _sender(sessionmaker, port: int) -> DigestSender:
    return DigestSender(
        sessionmaker=sessionmaker,
        smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout=5)),
        public_url=PUBLIC, mail_from="intake@example.org",
        affiliates={a.id: a for a in default_router().directory.affiliates})


def _rounds(sender: DigestSender, *moments: datetime) -> list[int]:
    async def run() -> list[int]:
        try:
            return [await sender.run_once(now=moment) for moment in moments]
        finally:
            await sender.smtp.close()
    return asyncio.run(run())


def _plain(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def test_the_digest_goes_once_a_day_in_the_accounts_language_with_only_what_waits(world, sessionmaker, smtp):
    sender = _sender(sessionmaker, smtp.port)
    assert _rounds(sender, MORNING - timedelta(hours=2)) == [0]  # before the digest hour
    assert _rounds(_sender(sessionmaker, smtp.port), MORNING, MORNING + timedelta(hours=3)) == [3, 0]
    mails = {m["To"]: m for m in smtp.inbox.messages}
    assert set(mails) == {FR, FR2, DE}
    marie, luc = _plain(mails[FR]), _plain(mails[FR2])
    assert str(make_header(decode_header(mails[FR]["Subject"]))) == "Solicitudes de colaboración para Wikimédia France: su resumen del 2026-12-07"
    assert "Nuevas desde el último resumen" in marie and "Siguen esperando su respuesta" in marie
    assert "con retraso desde el 2026-12-06 07:00 UTC" in marie
    assert marie.index(world["new"]) > marie.index("Nuevas") and marie.index(world["old"]) > marie.index("Siguen")
    assert f"{PUBLIC}/console/inquiries/{world['new']}" in marie and f"{PUBLIC}/console/account" in marie
    for absent in (world["taken"], world["other"], "Camille", "camille@secret.example"):
        assert absent not in marie
    assert "Voici les demandes de partenariat" in luc  # no language chosen: the affiliate's (French)
    assert world["other"] in _plain(mails[DE]) and "Diese Partnerschaftsanfragen" in _plain(mails[DE])
    with sessionmaker() as session:
        rows = session.execute(select(digests.c.day, digests.c.inquiries, digests.c.sent_at.isnot(None))).all()
    assert sorted(tuple(r) for r in rows) == [(MORNING.date(), 1, True), (MORNING.date(), 2, True),
                                              (MORNING.date(), 2, True)]
    assert _rounds(_sender(sessionmaker, smtp.port), MORNING + timedelta(days=1)) == [3]  # the next day again
    assert mails[FR]["Message-ID"] != [m for m in smtp.inbox.messages if m["To"] == FR][-1]["Message-ID"]


def test_a_failed_send_is_tried_again_and_a_day_with_nothing_waiting_sends_nothing(world, sessionmaker, smtp):
    down = _sender(sessionmaker, 1)  # nothing listens on port 1
    assert _rounds(down, MORNING) == [0]
    with sessionmaker() as session:
        assert session.execute(select(digests.c.sent_at.isnot(None))).scalars().all() == [False] * 3
    assert _rounds(_sender(sessionmaker, smtp.port), MORNING + timedelta(minutes=1)) == [3]
    with sessionmaker.begin() as session:
        session.execute(update(inquiries).where(inquiries.c.reference == world["other"]).values(status="closed"))
    assert _rounds(_sender(sessionmaker, smtp.port), MORNING + timedelta(days=1)) == [2]  # wm-de: nothing waits
    with sessionmaker() as session:
        anna = user_by_email(session=session, email=DE)
        recorded = session.execute(select(digests.c.inquiries).where(
            digests.c.user_id == anna.id, digests.c.day == (MORNING + timedelta(days=1)).date())).scalar_one()
    assert recorded == 0


def test_the_digest_is_written_in_each_of_the_assistants_languages():
    assert set(TEXTS) == set(supported_languages())
    keys = set(TEXTS["en"])
    assert all(set(texts) == keys for texts in TEXTS.values())
    assert len({texts["intro"] for texts in TEXTS.values()}) == len(TEXTS)


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url)
    yield client
    await client.close()


@pytest.mark.asyncio
async def test_the_account_page_sets_the_digest_for_affiliates_only(client, sessionmaker):
    await log_in(client, OFF)
    page = await (await client.get("/console/account")).text()
    assert 'name="digest" value="off" checked' in page and 'lang="ar"' in page
    token = await csrf_token(client, "/console/account")
    bad = await client.post("/console/account/digest", data={"csrf_token": token, "digest": "hourly"})
    assert bad.status == 400
    bad = await client.post("/console/account/digest", data={"csrf_token": token, "digest": "daily", "language": "xx"})
    assert bad.status == 400
    ok = await client.post("/console/account/digest", data={"csrf_token": token, "digest": "daily", "language": "ar"},
                           allow_redirects=False)
    assert ok.status == 303
    with sessionmaker() as session:
        user = user_by_email(session=session, email=OFF)
    assert (user.digest, user.language) == ("daily", "ar") and user.digest in DIGESTS
    await client.post("/console/logout", data={"csrf_token": token})
    await log_in(client, STAFF)
    assert 'action="/console/account/digest"' not in await (await client.get("/console/account")).text()
