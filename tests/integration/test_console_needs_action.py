"""The console's home says what needs action, each count linking to the list of exactly those
inquiries (pages, CSV and JSON API filtered alike); closing an inquiry (page and API) records
who and why, links a duplicate to its original, and takes it out of every count but not out of
the statistics. Real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import pytest_asyncio
from console_helpers import add_accounts, cells, console_client, csrf_token, log_in
from fakes import FakeDecision
from rasa_events import create_events_table, user, write_events
from sqlalchemy import select, update

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, Status, qualify
from bot.store import change_status, submit_inquiry
from bot.store.accounts.api_tokens import add_token
from bot.store.clock import utcnow
from bot.store.console.stats import dashboard
from bot.store.outbox import DEAD, DeliveryTarget, enqueue_deliveries
from bot.store.review import flag_message
from bot.store.tables import deliveries, handoffs, inquiries, review_flags, routing_decisions, status_history

STAFF, FR, US = "staff@example.org", "fr@example.org", "us@example.org"
ADMIN = "the-env-token"


@pytest.fixture
def world(engine, sessionmaker) -> dict[str, str]:
    """wm-fr holds `late` (window ended yesterday) and `soon` (due in 3 days); `review` waits for
    routing review; `failing` (wikiedu) has a dead delivery and one being retried; `spam` (wm-fr)
    is overdue and has a dead delivery too; a partner waits for a person; one flag is unexported
    and one exported."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", US: "wikiedu"})
    refs: dict[str, str] = {}
    now = utcnow()
    create_events_table(engine)
    for conversation in ("c-late", "c-soon"):
        write_events(engine, conversation, [user("hello", "greet", t=now.timestamp() - 60)])
    with sessionmaker.begin() as session:
        for key, affiliate in (("late", "wm-fr"), ("soon", "wm-fr"), ("review", "wm-fr"), ("failing", "wikiedu"),
                               ("spam", "wm-fr")):
            inquiry = Inquiry(conversation_id=f"c-{key}", partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=f"Org {key}", organization_type=OrganizationType.MUSEUM,
                              country="FR", description="photos", contact_name="Alex", contact_email="a@example.org",
                              consent=True)
            stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                    decision=FakeDecision(affiliate_id=affiliate))
            refs[key] = stored.reference
        due = {"late": now - timedelta(days=1), "soon": now + timedelta(days=3, hours=1), "spam": now - timedelta(days=2)}
        for key, at in due.items():
            inquiry_id = session.scalar(select(inquiries.c.id).where(inquiries.c.reference == refs[key]))
            session.execute(update(routing_decisions).where(routing_decisions.c.inquiry_id == inquiry_id)
                            .values(response_due_at=at))
        change_status(session=session, reference=refs["review"], to_status=Status.NEEDS_REVIEW, actor="cap")
        for key, status, attempts in (("failing", DEAD, 5), ("failing", "pending", 2), ("spam", DEAD, 5)):
            row = session.execute(select(inquiries.c.id, routing_decisions.c.id.label("decision"))
                                  .join(routing_decisions, routing_decisions.c.inquiry_id == inquiries.c.id)
                                  .where(inquiries.c.reference == refs[key])).one()
            [delivery] = enqueue_deliveries(session=session, inquiry_id=row.id, decision_id=row.decision,
                                            affiliate_id="wikiedu" if key == "failing" else "wm-fr",
                                            targets=[DeliveryTarget("webhook", {"url": "https://x.example/h"})])
            session.execute(update(deliveries).where(deliveries.c.id == delivery)
                            .values(status=status, attempts=attempts))
        session.execute(handoffs.insert().values(conversation_id="c-soon", status="waiting", language="fr",
                                                 affiliate_id="wm-fr", requested_at=now, notify_status="sent",
                                                 notify_attempts=1, notify_next_at=now))
        for event_id in (1, 2):
            flag_message(session=session, event_id=event_id, conversation_id="c-late", text="hello",
                         language="en", predicted_intent="greet", correct_intent="inform", entities=[], user_id=None)
        session.execute(update(review_flags).where(review_flags.c.event_id == 2).values(exported_at=now))
        refs["fr-token"] = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
    return refs


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url, api_token=ADMIN)
    yield client
    await client.close()


async def _page(client, path: str, status: int = 200) -> str:
    response = await client.get(path, allow_redirects=False)
    assert response.status == status, (path, response.status, await response.text())
    return cells(await response.text())


def _counts(html: str) -> dict[str, int]:
    return {key: int(count) for key, count in
            re.findall(r'data-need="(\w+)">\s*<a href="[^"]*"><span class="count">(\d+)</span>', html)}


def _links(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-need="(\w+)">\s*<a href="([^"]*)"', html))


def _listed(html: str) -> set[str]:
    return set(re.findall(r'<td><a href="/console/inquiries/(WMP-[0-9A-Z]+)">', html))


async def _api(client, path: str, token: str = ADMIN, status: int = 200):
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status == status, (path, await response.text())
    return await response.json()


@pytest.mark.asyncio
async def test_staff_home_counts_what_needs_action_and_each_links_to_exactly_those(client, world):
    await log_in(client, STAFF)
    home = await _page(client, "/console/")
    assert _counts(home) == {"review": 1, "delivery": 2, "overdue": 2, "handoffs": 1, "flags": 1}
    links = _links(home.replace("&amp;", "&"))
    expected = {"review": {world["review"]}, "delivery": {world["failing"], world["spam"]},
                "overdue": {world["late"], world["spam"]}}
    for key, refs in expected.items():
        assert _listed(await _page(client, links[key])) == refs, key
        csv_text = await _page(client, links[key].replace("/inquiries?", "/inquiries.csv?"))
        assert {line.split(",")[0].lstrip("\ufeff") for line in csv_text.splitlines()[1:]} == refs, key
    for key in ("overdue", "delivery"):
        api = await _api(client, f"/api/inquiries?needs={key}")
        assert {row["reference"] for row in api} == expected[key]
    assert links["handoffs"] == "/console/handoffs"
    flagged = await _page(client, links["flags"])
    assert "c-late" in flagged and "c-soon" not in flagged
    assert [row["conversation_id"] for row in await _api(client, "/api/conversations?flags=unexported")] == ["c-late"]
    assert (await _api(client, "/api/inquiries?needs=sometimes", status=400))["error"].startswith("needs must be")
    assert "Unknown needs" in await _page(client, "/console/inquiries?needs=sometimes", status=400)


@pytest.mark.asyncio
async def test_affiliate_home_lists_its_inquiries_waiting_for_an_answer_with_the_time_left(client, world):
    await log_in(client, FR)
    home = await _page(client, "/console/")
    assert _counts(home) == {"answer": 3, "overdue": 2, "handoffs": 1}
    assert world["failing"] not in home and "flagged" not in home
    rows = re.findall(r'<a href="/console/inquiries/(WMP-\w+)">.*?</td>\s*<td>.*?</td>\s*<td>.*?</td>\s*<td[^>]*>([^<]+)</td>',
                      home, re.S)
    assert rows == [(world["spam"], "overdue by 2 days"), (world["late"], "overdue by 1 day"),
                    (world["soon"], "3 days left")]
    answer = _listed(await _page(client, "/console/inquiries?needs=answer"))
    assert answer == {world["late"], world["soon"], world["spam"]}
    api = await _api(client, "/api/inquiries?needs=answer", token=world["fr-token"])
    assert {row["reference"] for row in api} == answer
    await _api(client, "/api/conversations?flags=unexported", token=world["fr-token"], status=403)


async def _close(client, reference: str, status: int = 303, **fields: str):
    path = f"/console/inquiries/{reference}"
    response = await client.post(path + "/close", data={"csrf_token": await csrf_token(client, path), **fields},
                                 allow_redirects=False)
    assert response.status == status, await response.text()
    return await response.text()


@pytest.mark.asyncio
async def test_staff_close_with_a_reason_recorded_leaves_every_count_and_stays_in_statistics(client, world,
                                                                                              sessionmaker):
    await log_in(client, STAFF)
    page = await _page(client, f"/console/inquiries/{world['spam']}")
    assert 'name="reason" value="spam"' in page and 'name="duplicate_of"' in page
    with sessionmaker() as session:
        before = dashboard(session=session, scope=None)
    assert "Choose a reason" in await _close(client, world["spam"], 400, reason="bored")
    await _close(client, world["spam"], reason="spam", note="a bot")
    home = await _page(client, "/console/")
    assert _counts(home) == {"review": 1, "delivery": 1, "overdue": 1, "handoffs": 1, "flags": 1}
    page = await _page(client, f"/console/inquiries/{world['spam']}")
    assert "Closed: Spam" in page and 'action="/console/inquiries/' + world["spam"] + '/close"' not in page
    with sessionmaker() as session:
        history = session.execute(select(status_history.c.from_status, status_history.c.to_status,
                                         status_history.c.actor, status_history.c.reason)
                                  .join(inquiries, inquiries.c.id == status_history.c.inquiry_id)
                                  .where(inquiries.c.reference == world["spam"]).order_by(status_history.c.id)).all()
        assert tuple(history[-1]) == ("routed", "closed", f"staff:{STAFF}", "spam: a bot")
        assert dashboard(session=session, scope=None) == before  # the statistics keep it
    assert "closed already" in await _close(client, world["spam"], 409, reason="done")

    # A duplicate must name an existing other inquiry, and links to it both ways.
    assert "existing original" in await _close(client, world["late"], 400, reason="duplicate", duplicate_of="WMP-NOPE")
    assert "existing original" in await _close(client, world["late"], 400, reason="duplicate",
                                               duplicate_of=world["late"])
    await _close(client, world["late"], reason="duplicate", duplicate_of=world["soon"].lower())
    dup = await _page(client, f"/console/inquiries/{world['late']}")
    assert f'(the original: <a href="/console/inquiries/{world["soon"]}">' in dup
    original = await _page(client, f"/console/inquiries/{world['soon']}")
    assert f'<a href="/console/inquiries/{world["late"]}">{world["late"]}</a>' in original
    assert _counts(await _page(client, "/console/"))["overdue"] == 0


@pytest.mark.asyncio
async def test_affiliates_close_only_what_they_accepted_and_only_as_done_or_no_longer_interested(client, world):
    await log_in(client, FR)
    page = await _page(client, f"/console/inquiries/{world['soon']}")
    assert "Close this inquiry" not in page  # routed, not yet accepted: it answers first
    assert "accepted and still holds" in await _close(client, world["soon"], 403, reason="done")
    path = f"/console/inquiries/{world['soon']}"
    accepted = await client.post(path + "/accept", data={"csrf_token": await csrf_token(client, path), "confirm": "yes"},
                                 allow_redirects=False)
    assert accepted.status == 303
    page = await _page(client, path)
    assert 'value="done"' in page and 'value="no_longer_interested"' in page and 'value="spam"' not in page
    assert "Only staff" in await _close(client, world["soon"], 403, reason="spam")
    await _close(client, world["soon"], reason="no_longer_interested")
    assert "Closed: The partner is no longer interested" in await _page(client, path)


@pytest.mark.asyncio
async def test_api_closes_as_the_page_does(client, world, sessionmaker):
    url = f"/api/inquiries/{world['review']}/close"
    headers = {"Authorization": f"Bearer {ADMIN}"}
    bad = await client.post(url, json={"reason": "whatever"}, headers=headers)
    assert bad.status == 400
    not_json = await client.post(url, data="reason=spam", headers=headers)
    assert not_json.status == 400
    fr = await client.post(url, json={"reason": "done"}, headers={"Authorization": f"Bearer {world['fr-token']}"})
    assert fr.status == 403  # needs_review: wm-fr does not hold an accepted inquiry
    unknown = await client.post("/api/inquiries/WMP-00000000/close", json={"reason": "spam"}, headers=headers)
    assert unknown.status == 404
    done = await client.post(url, json={"reason": "duplicate", "duplicate_of": world["late"], "note": "same\x00 museum"},
                             headers=headers)
    assert done.status == 200, await done.text()
    assert (await done.json())["status"] == "closed"
    with sessionmaker() as session:
        row = session.execute(select(inquiries.c.closed_reason, inquiries.c.duplicate_of)
                              .where(inquiries.c.reference == world["review"])).one()
    assert tuple(row) == ("duplicate", world["late"])
    again = await client.post(url, json={"reason": "spam"}, headers=headers)
    assert again.status == 409
