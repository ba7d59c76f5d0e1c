"""The dashboard's numbers on a small known dataset, its scoping, and its escaped SVG."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from console_helpers import CSRF, add_accounts, cells, console_client, log_in
from fakes import FakeDecision
from rasa_events import active_loop, create_events_table, session_started, slot, user, write_events
from sqlalchemy import update

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, Status, qualify
from bot.store import change_status, submit_inquiry
from bot.store.console.stats import dashboard, week_label
from bot.store.tables import handoffs, inquiries, status_history
from integrations.console import charts, labels

STAFF, FR = "staff@example.org", "fr@example.org"
NOW = datetime.now(timezone.utc)
#: Monday 00:00 UTC of NOW's week: "an hour ago" on a Monday at 00:30 is last week, and the tests
#: below want this week's numbers (they failed in a CI run at 00:20 on a Monday).
THIS_WEEK = datetime.combine(NOW.date() - timedelta(days=NOW.weekday()), datetime.min.time(), timezone.utc)


def recently(before: timedelta) -> datetime:
    """`before` ago, but not before this week began."""
    return max(NOW - before, THIS_WEEK)


@pytest.fixture
def world(engine, sessionmaker):
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr"})
    create_events_table(engine)
    t = recently(timedelta(hours=1)).timestamp()
    for sender, steps in {
        "c1": [session_started(t=t), user("we donate photos", "start_intake", t=t + 1), active_loop("intake_form", t=t + 2)],
        "c2": [session_started(t=t), user("hmm", "nlu_fallback", 0.3, t=t + 1), active_loop("intake_form", t=t + 2),
               slot("requested_slot", "country", t=t + 3)],
        "c3": [session_started(t=t), user("hello", "greet", t=t + 1)],
        "c4": [session_started(t=t), user("a course", "start_intake", t=t + 1), active_loop("intake_form", t=t + 2)],
    }.items():
        write_events(engine, sender, steps)
    with sessionmaker.begin() as session:
        for conv, affiliate, kind in (("c1", "wm-fr", PartnershipType.CONTENT_DONATION),
                                      ("c4", "wikiedu", PartnershipType.EDUCATION)):
            inquiry = Inquiry(conversation_id=conv, partnership_type=kind, organization_name=f"<script>{conv}",
                              organization_type=OrganizationType.MUSEUM, country="FR" if affiliate == "wm-fr" else "US")
            ref = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                 decision=FakeDecision(affiliate_id=affiliate)).reference
            if conv == "c1":
                change_status(session=session, reference=ref, to_status=Status.ACCEPTED, actor="wm-fr")
                # Created two days before it was accepted.
                session.execute(update(inquiries).where(inquiries.c.reference == ref)
                                .values(created_at=NOW - timedelta(days=2)))
                session.execute(update(status_history).where(status_history.c.to_status == "accepted")
                                .values(created_at=NOW))


def test_the_numbers_of_a_known_week(world, sessionmaker):
    with sessionmaker() as session:
        staff = dashboard(session=session, scope=None)
        fr = dashboard(session=session, scope="wm-fr")
    this_week = staff["weeks"].index(week_label(NOW.date()))
    funnel = {name: values[this_week] for name, values in staff["funnel"].items()}
    assert funnel["conversations"] == 4 and funnel["intake started"] == 3 and funnel["accepted"] == 1
    assert sum(staff["funnel"]["completed"]) == 2 and sum(staff["funnel"]["routed"]) == 2
    assert staff["drop_off"] == [("country", 1)]
    assert dict(staff["fallback_rate"])[week_label(NOW.date())] == 25.0
    assert staff["time_to_accept"] == [("wm-fr", 2.0)]
    assert dict(staff["by_type"]) == {"content_donation": 1, "education": 1}
    assert "conversations" not in fr["funnel"] and "drop_off" not in fr
    assert dict(fr["by_affiliate"]) == {"wm-fr": 1} and sum(fr["funnel"]["completed"]) == 1


def test_charts_are_well_formed_escaped_svg():
    svg = charts.bars("By <affiliate>", [("<script>alert(1)</script>", 3), ("b", 1.5)], ident="x")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and "<script>" not in svg
    assert any("alert(1)" in (el.text or "") for el in root.iter())
    grouped = charts.grouped("Funnel", ["2026-W47", "2026-W48"], {"a": [1, 2], "b": [0, 5]}, ident="f")
    assert ET.fromstring(grouped).find("{http://www.w3.org/2000/svg}desc").text.startswith("2026-W47: a 1, b 0")


@pytest_asyncio.fixture
async def client(db_url, world):
    client = await console_client(db_url)
    yield client
    await client.close()


@pytest.mark.asyncio
async def test_the_page_has_charts_and_tables_and_hides_staff_sections_from_affiliates(client):
    await log_in(client, STAFF)
    html = await (await client.get("/console/dashboard")).text()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 9
    assert "Where partners left the form" in html and "<script>c1" not in html
    assert "Hand-offs to a person" in html
    assert "Wiki Education" in html  # staff see every affiliate
    await client.post("/console/logout", data={"csrf_token": CSRF.search(html).group(1)})
    await log_in(client, FR)
    mine = await (await client.get("/console/dashboard")).text()
    assert "Where partners left the form" not in mine and "Fallback rate" not in mine
    assert "Hand-offs to a person" not in mine
    assert "Wikimédia France" in mine and "Wiki Education" not in mine


#: When this week's hand-offs were asked for (their week is the one counted, even on a Monday morning).
ASKED = recently(timedelta(hours=2))


def _handoff(session, conversation: str, status: str, asked: datetime, replied: datetime | None = None) -> None:
    session.execute(handoffs.insert().values(
        conversation_id=conversation, status=status, language="fr", affiliate_id="wm-fr", requested_at=asked,
        first_reply_at=replied, notify_status="sent", notify_attempts=1, notify_next_at=asked))


@pytest.fixture
def handed_off(world, sessionmaker):
    """This week: five asked while someone was available (four answered after 1, 2, 3 and 10
    minutes, one still waiting) and two missed; one answered twenty weeks ago, outside the window."""
    asked = ASKED
    with sessionmaker.begin() as session:
        for n, (status, minutes) in enumerate((("closed", 1), ("released", 2), ("with_person", 3), ("closed", 10),
                                               ("waiting", None), ("missed", None), ("missed", None))):
            _handoff(session, f"h{n}", status, asked,
                     None if minutes is None else asked + timedelta(minutes=minutes))
        _handoff(session, "old", "closed", NOW - timedelta(weeks=20), NOW - timedelta(weeks=20, minutes=-5))


def test_the_handoff_figures(handed_off, sessionmaker):
    with sessionmaker() as session:
        staff = dashboard(session=session, scope=None)
        fr = dashboard(session=session, scope="wm-fr")
    figures = staff["handoffs"]
    this_week = staff["weeks"].index(week_label(ASKED.date()))
    assert figures["weeks"]["requested"][this_week] == 7 and figures["weeks"]["answered"][this_week] == 4
    assert sum(figures["weeks"]["requested"]) == 7  # the old one is outside the twelve weeks
    assert (figures["requested"], figures["answered"], figures["missed"]) == (7, 4, 2)
    assert figures["share_answered"] == 80.0  # 4 of the 5 someone was available for
    assert figures["median_seconds"] == 150.0 and figures["p90_seconds"] == 600.0
    assert "handoffs" not in fr  # staff only


@pytest.mark.asyncio
async def test_the_page_shows_the_handoff_figures_to_staff(handed_off, db_url):
    client = await console_client(db_url)
    try:
        await log_in(client, STAFF)
        html = cells(await (await client.get("/console/dashboard")).text())
        assert '<section id="handoffs"' in html
        assert "<td>Share answered (someone was available)</td><td>80.0 %</td>" in html
        assert "<td>Time to first human reply, median</td><td>2.5 min</td>" in html
        assert "<td>Time to first human reply, 90th percentile</td><td>10.0 min</td>" in html
        assert "<td>Nobody available</td><td>2</td>" in html
    finally:
        await client.close()


LONG = "Wiki Education (Wiki Education Foundation, United States and Canada)"


def _texts(svg: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_chart_labels_wrap_instead_of_being_cut_and_charts_scale_to_a_phone():
    svg = charts.bars("By affiliate", [(LONG, 3), ("Wikimédia France", 1)], ident="a")
    texts = _texts(svg)
    assert " ".join(t for t in texts if not t[:1].isdigit()).startswith(LONG)  # every word, in order
    assert not any("…" in t for t in texts) and all(len(t) <= charts.LABEL_CHARS for t in texts)
    root = ET.fromstring(svg)
    # No fixed width: the viewBox scales to the column; 360 units are a phone's width.
    assert root.get("width") is None and root.get("viewBox").startswith("0 0 360 ")
    assert charts.wrap("x" * 100, 44) == ["x" * 44, "x" * 44, "x" * 12]
    weeks = charts.grouped("Funnel", ["2026-W47", "2026-W48"], {"conversations": [4, 9], "completed": [1, 2]}, ident="f")
    assert {"2026-W47", "2026-W48"} <= set(_texts(weeks))  # whole week labels, not "W47"


def test_charts_are_drawn_mirrored_right_to_left():
    """In Arabic the labels and bars start at the right edge (they ran off the left of a phone's
    screen when drawn left to right in a right-to-left page)."""
    svg_ns = "{http://www.w3.org/2000/svg}"
    for make in (lambda locale: charts.bars("حسب البلد", [("فرنسا", 3), ("ألمانيا", 1)], ident="c", locale=locale),
                 lambda locale: charts.grouped("Funnel", ["2026-W47"], {"مُحال": [3], "مقبول": [1]}, ident="f",
                                               locale=locale)):
        left, right = ET.fromstring(make("fr")), ET.fromstring(make("ar"))
        assert left.get("direction") == "ltr" and right.get("direction") == "rtl"
        for a, b in zip(left.iter(svg_ns + "text"), right.iter(svg_ns + "text"), strict=True):
            assert float(b.get("x")) == charts.WIDTH - float(a.get("x"))  # where the text starts
        for a, b in zip(left.iter(svg_ns + "rect"), right.iter(svg_ns + "rect"), strict=True):
            assert float(b.get("x")) + float(b.get("width")) == charts.WIDTH - float(a.get("x"))
        assert all(0 <= float(r.get("x")) <= charts.WIDTH for r in right.iter(svg_ns + "rect"))


@pytest.mark.asyncio
async def test_only_weeks_with_data_are_shown_in_the_range_picked(handed_off, db_url):
    client = await console_client(db_url)
    try:
        await log_in(client, STAFF)
        page = await (await client.get("/console/dashboard")).text()
        html = cells(page)
        this_week = week_label(NOW.date())
        funnel = html[html.index("<caption class=\"sr\">Funnel per week"):]
        funnel = funnel[:funnel.index("</table>")]
        # A row per week with data (not twelve): this week, and the week of an inquiry created two
        # days ago when that was last week; named by its days ("Nov 30 – Dec 6"), ISO week on hover.
        with_data = {this_week, week_label((NOW - timedelta(days=2)).date())}
        assert funnel.count("<tr><td>") == len(with_data) and f"<tr><td>{labels.week(this_week)}</td>" in funnel
        assert f'<span class="nowrap" title="{this_week}">{labels.week(this_week)}</span>' in page
        for weeks in (4, 12, 26, 52):
            assert f'<option value="{weeks}"' in html
        assert '<option value="12" selected>' in html
        wider = cells(await (await client.get("/console/dashboard?weeks=26")).text())
        assert '<option value="26" selected>' in wider
        old = week_label((NOW - timedelta(weeks=20)).date())
        handed = wider[wider.index("<caption class=\"sr\">Hand-offs per week"):]
        handed = handed[:handed.index("</table>")]
        assert handed.count("<tr><td>") == len(with_data | {old})  # the weeks with any activity
        assert f"<tr><td>{labels.week(old)}</td><td>1</td><td>1</td></tr>" in handed
        assert "…" not in wider
    finally:
        await client.close()
