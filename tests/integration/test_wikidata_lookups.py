"""The delivery worker identifies organisations on Wikidata (issue 17, item 2), against a local
fake of the Action API (tests/support/wikidata_fake.py, serving the committed example answers)
on SQLite and PostgreSQL: a confident match is kept on the record; ambiguous, wrongly typed and
unknown names are not; the server down, a 500, a timeout, malformed JSON or a maxlag error
schedule a retry with backoff while the inquiry is delivered regardless; a retry later succeeds;
two workers never look up the same organisation; an item another record holds opens a proposal."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from receivers import SmtpServer
from sqlalchemy import insert, select, update
from wikidata_fake import running_fake

from bot.delivery.endpoints import load_endpoints
from bot.intake.service import submit
from bot.routing import default_router
from bot.settings import SmtpSettings
from bot.store.clock import utcnow
from bot.store.tables import deliveries, inquiries, organization_proposals, organizations
from bot.store.wikidata_lookups import RECHECK_AFTER, claim_lookups, record_failure, retry_delay
from integrations.delivery.links import LinkMaker
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.wikidata_lookups import OrganisationIdentifier
from integrations.delivery.worker import Worker
from integrations.stack.processes import free_port
from integrations.wikidata.client import WikidataClient

CONTACT = "partnerships@wikimedia.org"


def add_org(sessionmaker, name: str, country: str | None, org_type: str | None, *, language: str | None = None,
            **values) -> int:
    """An organisation record, with an inquiry in `language` (the partner's) when given."""
    with sessionmaker.begin() as session:
        org_id = int(session.execute(insert(organizations).values(
            name=name, normalized_name=name.casefold(), country=country, type=org_type, created_at=utcnow(),
            **values)).inserted_primary_key[0])
        if language:
            session.execute(insert(inquiries).values(
                reference=f"WMP-T{org_id:07d}", conversation_id=f"conv-{org_id}", status="routed",
                created_at=utcnow(), language=language, organization_id=org_id))
        return org_id


def org(sessionmaker, org_id: int):
    with sessionmaker.begin() as session:
        return session.execute(select(organizations).where(organizations.c.id == org_id)).one()


def identifier(sessionmaker, url: str, *, timeout: float = 2.0, batch: int = 5) -> OrganisationIdentifier:
    return OrganisationIdentifier(sessionmaker=sessionmaker, client=WikidataClient(url, contact=CONTACT,
                                                                                   timeout=timeout), batch=batch)


async def run(job: OrganisationIdentifier, now: datetime | None = None):
    try:
        return await job.run_once(now)
    finally:
        await job.client.close()


def test_a_confident_match_is_kept_on_the_record(sessionmaker):
    louvre = add_org(sessionmaker, "Musée du Louvre", "FR", "museum", language="fr")
    chile = add_org(sessionmaker, "Universidad de Chile", "CL", "university", language="es")

    async def scenario():
        async with running_fake() as fake:
            return await run(identifier(sessionmaker, fake.url)), fake

    started = utcnow()
    outcomes, fake = asyncio.run(scenario())
    assert outcomes == {"identified": 2}
    row = org(sessionmaker, louvre)
    assert (row.wikidata_id, row.wikidata_label, row.official_website, row.commons_category) == (
        "Q19675", "musée du Louvre", "https://www.louvre.fr/", None)
    assert row.wikidata_looked_up_at >= started and row.wikidata_retry_at is None and row.wikidata_failures == 0
    assert org(sessionmaker, chile).wikidata_id == "Q232141"
    # The partner's language for the search, then the candidates, then P297 of their countries.
    first = fake.requests[0]
    assert (first["search"], first["language"], first["uselang"]) == ("Musée du Louvre", "fr", "fr")
    assert first["action"] == "wbsearchentities" and first["type"] == "item" and first["maxlag"] == "5"
    assert first["format"] == "json"
    assert {r["action"] for r in fake.requests} == {"wbsearchentities", "wbgetentities"}
    assert all(CONTACT in agent and agent.startswith("wikimedia-partner-intake/") for agent in fake.user_agents)
    # Identified records are never looked up again.
    with sessionmaker.begin() as session:
        assert claim_lookups(session=session, limit=10, lease_seconds=60, now=utcnow() + timedelta(days=400)) == []


def test_the_partners_language_is_searched_and_the_commons_category_kept(sessionmaker, tmp_path):
    result = submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="conv-bnf", slots={
        "language": "fr", "partnership_type": "content_donation", "organization_type": "library",
        "organization_name": "Bibliothèque nationale de France", "country": "FR", "content_language": "fr",
        "licence": "cc_by_sa", "project_description": "Des cartes anciennes", "consent": False,
    }, endpoints=None)

    async def scenario():
        async with running_fake() as fake:
            return await run(identifier(sessionmaker, fake.url)), fake

    outcomes, fake = asyncio.run(scenario())
    assert outcomes == {"identified": 1}
    assert (fake.requests[0]["language"], fake.requests[0]["uselang"]) == ("fr", "fr")
    with sessionmaker.begin() as session:
        row = session.execute(select(organizations)).one()
    assert (row.wikidata_id, row.commons_category, row.official_website) == (
        "Q193563", "Bibliothèque nationale de France", "https://www.bnf.fr/")
    assert result.reference


@pytest.mark.parametrize(("name", "country", "org_type", "language", "searches"), [
    ("National Gallery", "IE", "museum", None, ["en"]),        # two candidates, other countries; no
                                                               # inquiry left: English
    ("Nokia", "FI", "museum", "en", ["en"]),                   # a company, not a museum
    ("Musée imaginaire de Nulle-Part", "FR", "museum", "fr", ["fr", "en"]),  # no result, in French or English
])
def test_no_confident_item_is_kept_and_the_record_is_looked_at_again_later(sessionmaker, name, country, org_type,
                                                                           language, searches):
    org_id = add_org(sessionmaker, name, country, org_type, language=language)

    async def scenario():
        async with running_fake() as fake:
            return await run(identifier(sessionmaker, fake.url)), fake

    outcomes, fake = asyncio.run(scenario())
    assert outcomes == {"not_found": 1}
    assert [(r["search"], r["language"]) for r in fake.requests if r["action"] == "wbsearchentities"] == [
        (name, lang) for lang in searches]
    row = org(sessionmaker, org_id)
    assert row.wikidata_id is None and row.wikidata_label is None and row.wikidata_failures == 0
    assert row.wikidata_looked_up_at is not None
    assert abs(row.wikidata_retry_at - (row.wikidata_looked_up_at + RECHECK_AFTER)) < timedelta(seconds=1)


@pytest.mark.parametrize("failure", ["down", "500", "hang", "malformed", "maxlag"])
def test_failures_schedule_a_retry_with_backoff_and_a_retry_later_succeeds(sessionmaker, failure):
    org_id = add_org(sessionmaker, "Musée du Louvre", "FR", "museum", language="fr")

    async def scenario():
        async with running_fake(mode="ok" if failure == "down" else failure) as fake:
            url = f"http://127.0.0.1:{free_port()}/w/api.php" if failure == "down" else fake.url
            started = time.monotonic()
            first = await run(identifier(sessionmaker, url, timeout=0.5))
            took = time.monotonic() - started
            failed_at = utcnow()
            row = org(sessionmaker, org_id)
            second = await run(identifier(sessionmaker, url, timeout=0.5), now=row.wikidata_retry_at)
            row2 = org(sessionmaker, org_id)
            early = await run(identifier(sessionmaker, fake.url), now=row2.wikidata_retry_at - timedelta(seconds=5))
            fake.mode = "ok"
            later = await run(identifier(sessionmaker, fake.url), now=row2.wikidata_retry_at)
            return first, took, failed_at, row, second, row2, early, later

    first, took, failed_at, row, second, row2, early, later = asyncio.run(scenario())
    assert first == {"failed": 1} and second == {"failed": 1}
    assert took < 3.0, "a hung Wikidata is given up after the timeout"
    assert row.wikidata_id is None and row.wikidata_looked_up_at is None and row.wikidata_failures == 1
    assert timedelta(minutes=9) < row.wikidata_retry_at - failed_at <= timedelta(minutes=10)
    # The second failure waits twice as long (from when it failed: the test's clock, the retry time).
    assert row2.wikidata_failures == 2
    assert row2.wikidata_retry_at - row.wikidata_retry_at == timedelta(minutes=20)
    assert early == {}, "not due before its retry time"
    assert later == {"identified": 1}
    done = org(sessionmaker, org_id)
    assert (done.wikidata_id, done.wikidata_failures, done.wikidata_retry_at) == ("Q19675", 0, None)


def test_the_backoff_doubles_up_to_a_day():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (10, 20, 40, 80)]
    assert retry_delay(8) == timedelta(minutes=1280) and retry_delay(9) == timedelta(days=1)
    assert retry_delay(500) == timedelta(days=1)


def test_two_workers_never_look_up_the_same_organisation(sessionmaker):
    names = [("Musée du Louvre", "FR", "museum", "fr"), ("Universidad de Chile", "CL", "university", "es"),
             ("Nokia", "FI", "company", "en"), ("National Gallery", "GB", "museum", "en"),
             ("Bibliothèque nationale de France", "FR", "library", "fr"),
             ("Musée imaginaire de Nulle-Part", "FR", None, "fr")]
    ids = [add_org(sessionmaker, *n[:3], language=n[3]) for n in names]

    async def scenario():
        async with running_fake(delay=0.05) as fake:
            one, two = identifier(sessionmaker, fake.url, batch=2), identifier(sessionmaker, fake.url, batch=2)
            totals = []
            for _ in range(3):
                totals += await asyncio.gather(run(one), run(two))
            return totals, fake

    totals, fake = asyncio.run(scenario())
    assert sum(sum(t.values()) for t in totals) == len(names)
    searched = Counter((r["search"], r["language"]) for r in fake.requests if r["action"] == "wbsearchentities")
    assert all(count == 1 for count in searched.values()), searched
    assert {name for name, _ in searched} == {n[0] for n in names}
    assert {org(sessionmaker, i).wikidata_id for i in ids} == {
        "Q19675", "Q232141", "Q1418", "Q180788", "Q193563", None}


def test_a_lost_lease_writes_nothing(sessionmaker):
    org_id = add_org(sessionmaker, "Musée du Louvre", "FR", "museum")
    with sessionmaker.begin() as session:
        [job] = claim_lookups(session=session, limit=5, lease_seconds=60)
        # Another worker took it over after the lease ran out.
        session.execute(update(organizations).where(organizations.c.id == org_id)
                        .values(wikidata_retry_at=job.lease_until + timedelta(minutes=5)))
    with sessionmaker.begin() as session:
        assert record_failure(session=session, job=job) == "stale"
    assert org(sessionmaker, org_id).wikidata_failures == 0


def test_an_item_another_record_holds_opens_a_proposal_instead_of_a_merge(sessionmaker):
    holder = add_org(sessionmaker, "Museo del Prado", "ES", "museum", wikidata_id="Q160112",
                     wikidata_looked_up_at=utcnow())
    newcomer = add_org(sessionmaker, "Museo Nacional del Prado", "ES", "museum", language="es")
    with sessionmaker.begin() as session:  # a merged record is not looked up
        merged = int(session.execute(insert(organizations).values(
            name="Prado", normalized_name="prado", country="ES", created_at=utcnow(),
            merged_into=holder)).inserted_primary_key[0])

    async def scenario():
        async with running_fake() as fake:
            return await run(identifier(sessionmaker, fake.url)), fake

    outcomes, fake = asyncio.run(scenario())
    assert outcomes == {"proposed": 1} and fake.requests[0]["language"] == "es"
    row = org(sessionmaker, newcomer)
    assert row.wikidata_id is None and row.merged_into is None and row.wikidata_looked_up_at is not None
    assert row.wikidata_retry_at is None
    with sessionmaker.begin() as session:
        proposals = session.execute(select(organization_proposals)).all()
    assert [(p.organization_id, p.other_id, p.status, p.reason) for p in proposals] == [
        (newcomer, holder, "open", "same Wikidata item Q160112")]
    assert org(sessionmaker, merged).wikidata_looked_up_at is None


def test_the_worker_delivers_while_wikidata_hangs_and_identifies_when_it_answers(sessionmaker, tmp_path):
    """The whole worker: the inquiry's e-mail goes out while its Wikidata lookup hangs (the
    lookups have their own loop), the hung lookup is given up after the timeout and scheduled
    again, and the organisation is identified once Wikidata answers."""
    smtp = SmtpServer()
    smtp.start()
    path = tmp_path / "endpoints.yml"
    path.write_text("default:\n  email: ['glam@example.org']\n")
    affiliates = [a.id for a in default_router().directory.affiliates]
    endpoints = load_endpoints(path, known_affiliates=affiliates)
    submit(sessionmaker=sessionmaker, router=default_router(), conversation_id="conv-louvre", slots={
        "language": "fr", "partnership_type": "content_donation", "organization_type": "museum",
        "organization_name": "Musée du Louvre", "country": "FR", "content_language": "fr",
        "licence": "cc_by_sa", "project_description": "Des photographies", "consent": False,
    }, endpoints=endpoints)

    async def scenario():
        async with running_fake(mode="hang") as fake:
            worker = Worker(
                sessionmaker=sessionmaker, endpoints=endpoints, webhook=WebhookSender(timeout=5),
                smtp=SmtpSender(settings=SmtpSettings(host="127.0.0.1", port=smtp.port, security="plain", timeout=5)),
                links=LinkMaker("http://console.test", "l" * 32), affiliate_names={a: a for a in affiliates},
                mail_from="intake@intake.example", poll_seconds=0.05,
                wikidata=identifier(sessionmaker, fake.url, timeout=4.0),
            )
            stop = asyncio.Event()
            started = time.monotonic()
            task = asyncio.create_task(worker.run(stop))
            try:
                delivered = await _until(lambda: _delivered(sessionmaker), 20)
                delivered_after = time.monotonic() - started
                hanging = bool(fake.requests) and _the_org(sessionmaker).wikidata_failures == 0
                failed = await _until(lambda: _the_org(sessionmaker).wikidata_failures == 1, 20)
            finally:
                stop.set()
                await task
            row = _the_org(sessionmaker)
            fake.mode = "ok"
            outcomes = await worker.identify_organisations(now=row.wikidata_retry_at)
            await worker.wikidata.client.close()
            await worker.webhook.close()
            return delivered, delivered_after, hanging, failed, row, outcomes

    try:
        delivered, delivered_after, hanging, failed, row, outcomes = asyncio.run(scenario())
    finally:
        smtp.stop()
    assert delivered and delivered_after < 3.5 and hanging, "the e-mail went out while the lookup hung"
    assert failed and row.wikidata_id is None
    assert outcomes == {"identified": 1}
    assert _the_org(sessionmaker).wikidata_id == "Q19675"


async def _until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.05)
    return False


def _delivered(sessionmaker) -> bool:
    with sessionmaker.begin() as session:
        return session.scalar(select(deliveries.c.status)) == "delivered"


def _the_org(sessionmaker):
    with sessionmaker.begin() as session:
        return session.execute(select(organizations)).one()

