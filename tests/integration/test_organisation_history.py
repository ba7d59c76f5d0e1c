"""Institutional memory against real databases (issue 17, items 4 and 5): the organisations API
and pages, scoped for affiliates (no other affiliate's contact, no staff-only notes), partnership
outcomes recorded by the affiliate that accepted the inquiry, staff's merge, split and proposals."""
from __future__ import annotations

import json

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from sqlalchemy import select

from bot.delivery.handover import accept
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.store import submit_inquiry
from bot.store.accounts.api_tokens import add_token
from bot.store.console.inquiries import add_note
from bot.store.console.organisations import earlier_partnerships, worked_with
from bot.store.partnerships import Outcome, save_partnership
from bot.store.tables import inquiries, partnerships

STAFF, FR, EDU = "ana@wikimedia.example", "marie@wikimedia-fr.example", "sam@wikiedu.example"
ADMIN = "the-env-token"
#: Contact details seeded into the inquiries: an affiliate must never see the other one's.
LYON_FR = ("Camille Martin", "camille@musee-lyon.example")
LYON_EDU = ("Jean Dupont", "jean.dupont@musee-lyon.example")
NANTES = ("Zoé Leroy", "zoe@bm-nantes.example")


def _submit(session, conv, name, contact, affiliate, *, country="FR", kind=PartnershipType.CONTENT_DONATION):
    inquiry = Inquiry(conversation_id=conv, partnership_type=kind, organization_name=name,
                      organization_type=OrganizationType.MUSEUM, country=country,
                      description=f"private description of {conv}", contact_name=contact[0],
                      contact_email=contact[1], consent=True)
    return submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                          decision=FakeDecision(affiliate_id=affiliate)).reference


@pytest.fixture
def world(sessionmaker) -> dict[str, object]:
    """Lyon's museum under two spellings: accepted by wm-fr, then routed to wikiedu; Nantes's
    library routed to wikiedu only. A staff-only and a shared note on the accepted inquiry."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", EDU: "wikiedu"})
    out: dict[str, object] = {}
    with sessionmaker.begin() as session:
        out["lyon-fr"] = _submit(session, "c-lyon-1", "Musée d'Histoire de Lyon", LYON_FR, "wm-fr")
        assert accept(session=session, reference=out["lyon-fr"], affiliate_id="wm-fr", actor="affiliate:wm-fr:" + FR)
        out["lyon-edu"] = _submit(session, "c-lyon-2", "Lyon History Museum", LYON_EDU, "wikiedu")
        out["nantes"] = _submit(session, "c-nantes", "Bibliothèque de Nantes", NANTES, "wikiedu",
                                kind=PartnershipType.EDUCATION)
        ids = dict(session.execute(select(inquiries.c.reference, inquiries.c.id)).all())
        orgs = dict(session.execute(select(inquiries.c.reference, inquiries.c.organization_id)).all())
        add_note(session=session, inquiry_id=ids[out["lyon-fr"]], user_id=None, author=STAFF,
                 body="STAFF-ONLY budget remark", visibility="staff")
        add_note(session=session, inquiry_id=ids[out["lyon-fr"]], user_id=None, author=STAFF,
                 body="shared: call them in May", visibility="shared")
        add_note(session=session, inquiry_id=ids[out["lyon-edu"]], user_id=None, author=STAFF,
                 body="shared with wikiedu only", visibility="shared")
        out["ids"], out["orgs"] = ids, orgs
        out["fr-token"] = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
    assert orgs[out["lyon-fr"]] == orgs[out["lyon-edu"]] != orgs[out["nantes"]]
    return out


@pytest_asyncio.fixture
async def client(db_url, engine, world):
    client = await console_client(db_url, api_token=ADMIN)
    yield client
    await client.close()


async def _api(client, path: str, token: str = ADMIN, status: int = 200):
    response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status == status, await response.text()
    return await response.json()


@pytest.mark.asyncio
async def test_the_api_finds_organisations_by_folded_name_and_alias_and_shows_their_history(client, world):
    lyon = world["orgs"][world["lyon-fr"]]
    found = await _api(client, "/api/organizations?q=MUSÉE D’HISTOIRE")
    assert [o["id"] for o in found["organizations"]] == [lyon] and found["total"] == 1
    assert found["organizations"][0]["inquiries"] == 2
    assert (await _api(client, "/api/organizations?country=fr&limit=1"))["total"] == 2
    assert (await _api(client, "/api/organizations?q=nantes&country=DE"))["total"] == 0
    detail = await _api(client, f"/api/organizations/{lyon}")
    assert detail["name"] == "Musée d'Histoire de Lyon"
    assert set(detail["aliases"]) == {"Musée d'Histoire de Lyon", "Lyon History Museum"}
    assert {i["reference"] for i in detail["inquiries"]} == {world["lyon-fr"], world["lyon-edu"]}
    assert {(i["contact"] or {}).get("email") for i in detail["inquiries"]} == {LYON_FR[1], LYON_EDU[1]}
    assert [i["accepted_at"] is not None for i in detail["inquiries"]] == [False, True]  # newest first
    assert "notes" not in detail["inquiries"][0]
    await _api(client, "/api/organizations/999999", status=404)
    await _api(client, "/api/organizations/abc", status=404)
    await _api(client, "/api/organizations?limit=0", status=400)
    await _api(client, "/api/organizations?country=FRA", status=400)


@pytest.mark.asyncio
async def test_an_affiliate_token_sees_the_whole_history_but_not_other_affiliates_contacts(client, world):
    token = world["fr-token"]
    listed = await _api(client, "/api/organizations", token)
    assert [o["name"] for o in listed["organizations"]] == ["Musée d'Histoire de Lyon"]
    await _api(client, f"/api/organizations/{world['orgs'][world['nantes']]}", token, status=404)
    detail = await _api(client, f"/api/organizations/{world['orgs'][world['lyon-fr']]}", token)
    theirs, ours = detail["inquiries"]
    assert theirs["reference"] is None and theirs["contact"] is None
    assert theirs["routing"] == {"affiliate_id": "wikiedu", "rule": "country:chapter"}
    assert ours["reference"] == world["lyon-fr"] and ours["contact"]["email"] == LYON_FR[1]
    text = json.dumps(detail)
    for secret in (*LYON_EDU, "private description of c-lyon-2", "STAFF-ONLY", "shared with wikiedu only"):
        assert secret not in text
    assert "actor" not in text  # who merged what is staff's business


def test_a_partnership_is_recorded_only_for_an_accepted_inquiry_and_validated(sessionmaker, world):
    ids = world["ids"]
    outcome = Outcome.parse({"status": "completed", "started_on": "2024-03-01", "ended_on": "2024-09-30",
                             "files_uploaded": "2000", "commons_category": "Category:Musée d'Histoire de Lyon",
                             "public_summary": "  2,000 photographs of\nLyon's history, now on Commons. "})
    assert outcome.commons_category == "Musée d'Histoire de Lyon"
    assert outcome.public_summary == "2,000 photographs of Lyon's history, now on Commons."
    with sessionmaker.begin() as session:
        save_partnership(session=session, inquiry_id=ids[world["lyon-fr"]], outcome=outcome, actor="affiliate:wm-fr")
        save_partnership(session=session, inquiry_id=ids[world["lyon-fr"]],
                         outcome=Outcome.parse({**outcome.values(), "participants": 12}), actor="staff:x")
        with pytest.raises(ValueError, match="accepted"):
            save_partnership(session=session, inquiry_id=ids[world["lyon-edu"]], outcome=outcome, actor="staff:x")
        rows = session.execute(select(partnerships)).all()
        assert [(r.affiliate_id, r.status, r.files_uploaded, r.participants) for r in rows] == [
            ("wm-fr", "completed", 2000, 12)]
        assert worked_with(session=session, organization_id=world["orgs"][world["lyon-edu"]],
                           before_inquiry_id=ids[world["lyon-edu"]])[0]["affiliate_id"] == "wm-fr"
        assert worked_with(session=session, organization_id=world["orgs"][world["lyon-fr"]],
                           before_inquiry_id=ids[world["lyon-fr"]]) == []
        # What the delivery of the later inquiry tells its affiliate.
        earlier = earlier_partnerships(session=session, reference=world["lyon-edu"])
        assert [(w["affiliate_id"], len(w["years"])) for w in earlier] == [("wm-fr", 1)]
        assert earlier_partnerships(session=session, reference=world["nantes"]) == []
    for bad, why in (({"status": "paused"}, "status"), ({"status": "active", "ended_on": "2024-01-01"}, "active"),
                     ({"status": "stopped", "started_on": "2024-05-01", "ended_on": "2024-04-01"}, "before"),
                     ({"status": "active", "files_uploaded": "-3"}, "files uploaded"),
                     ({"status": "active", "events_held": "two"}, "events held"),
                     ({"status": "active", "public_summary": "x" * 501}, "longer")):
        with pytest.raises(ValueError, match=why):
            Outcome.parse(bad)


async def _as(client, email: str) -> None:
    client.session.cookie_jar.clear()
    await log_in(client, email)


async def _page(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.text()


async def _post(client, path: str, form_page: str, data: dict[str, str], status: int = 303):
    token = await csrf_token(client, form_page)
    response = await client.post(path, data={"csrf_token": token, **data}, allow_redirects=False)
    assert response.status == status, await response.text()
    return response


@pytest.mark.asyncio
async def test_the_organisation_pages_scope_the_history_for_affiliates(client, world):
    lyon, nantes = world["orgs"][world["lyon-fr"]], world["orgs"][world["nantes"]]
    await _as(client, STAFF)
    listing = await _page(client, "/console/organisations?q=musee+d%27histoire&country=France")
    assert f'href="/console/organisations/{lyon}"' in listing and "Nantes" not in listing
    staff_view = await _page(client, f"/console/organisations/{lyon}")
    for shown in ("STAFF-ONLY budget remark", LYON_EDU[1], LYON_FR[1], "Lyon History Museum", world["lyon-edu"]):
        assert shown in staff_view
    await _as(client, FR)
    listing = await _page(client, "/console/organisations")
    assert f"/console/organisations/{lyon}" in listing and f"/console/organisations/{nantes}" not in listing
    await _page(client, f"/console/organisations/{nantes}", status=404)
    html = await _page(client, f"/console/organisations/{lyon}")
    assert "shared: call them in May" in html and LYON_FR[1] in html and world["lyon-fr"] in html
    assert "Wiki Education (Wiki Education Foundation)" in html  # who else worked with them
    for hidden in ("STAFF-ONLY", *LYON_EDU, world["lyon-edu"], "shared with wikiedu only",
                   "private description of c-lyon-2"):
        assert hidden not in html
    await _post(client, f"/console/organisations/{lyon}/merge", f"/console/organisations/{lyon}",
                {"other": str(nantes), "confirm": "yes"}, status=403)
    await _page(client, "/console/organisations/proposals", status=403)


@pytest.mark.asyncio
async def test_the_accepting_affiliate_records_the_partnership_on_the_inquiry_page(client, world, sessionmaker):
    accepted, other = f"/console/inquiries/{world['lyon-fr']}", f"/console/inquiries/{world['lyon-edu']}"
    form = {"status": "completed", "started_on": "2024-03-01", "ended_on": "2024-09-30", "files_uploaded": "2000",
            "commons_category": "Category:Musée d'Histoire de Lyon", "wikidata_items_created": "",
            "events_held": "1", "participants": "14", "public_summary": "2,000 photographs of Lyon's history."}
    await _as(client, EDU)  # holds the other inquiry, which was never accepted
    assert "Save the partnership" not in await _page(client, other)
    await _post(client, other + "/partnership", other, form, status=403)
    await _as(client, FR)
    assert "Save the partnership" in await _page(client, accepted)
    await _post(client, accepted + "/partnership", accepted, {**form, "files_uploaded": "many"}, status=400)
    await _post(client, accepted + "/partnership", accepted, form)
    html = await _page(client, accepted)
    assert "2,000 photographs of Lyon&#39;s history." in html and "Category:Musée d&#39;Histoire de Lyon" in html
    no_csrf = await client.post(accepted + "/partnership", data=form, allow_redirects=False)
    assert no_csrf.status == 403
    with sessionmaker.begin() as session:
        row = session.execute(select(partnerships)).one()
    assert (row.affiliate_id, row.status, row.files_uploaded, row.events_held, row.participants) == (
        "wm-fr", "completed", 2000, 1, 14)
    assert row.updated_by == f"affiliate:wm-fr:{FR}"
    await _as(client, STAFF)
    await _post(client, accepted + "/partnership", accepted, {**form, "status": "stopped"})
    org = await _page(client, f"/console/organisations/{world['orgs'][world['lyon-fr']]}")
    assert "Stopped" in org and "2,000 photographs" in org


@pytest.mark.asyncio
async def test_staff_merge_with_confirmation_split_and_decide_proposals(client, world, sessionmaker):
    lyon, nantes = world["orgs"][world["lyon-fr"]], world["orgs"][world["nantes"]]
    page = f"/console/organisations/{lyon}"
    await _as(client, STAFF)
    confirm = await _post(client, page + "/merge", page, {"other": str(nantes)}, status=200)
    assert "Merge “Bibliothèque de Nantes” into “Musée d&#39;Histoire de Lyon”?" in await confirm.text()
    with sessionmaker.begin() as session:
        assert session.scalar(select(inquiries.c.organization_id).where(
            inquiries.c.reference == world["nantes"])) == nantes  # nothing changed before confirming
    await _post(client, page + "/merge", page, {"other": str(nantes), "confirm": "yes"})
    html = await _page(client, page)
    assert world["nantes"] in html and "Bibliothèque de Nantes (no." in html
    moved = await client.get(f"/console/organisations/{nantes}", allow_redirects=False)
    assert moved.status == 303 and moved.headers["Location"] == page
    merge_id = _merge_id(html)
    await _post(client, page + "/split", page, {"merge": merge_id})
    assert world["nantes"] not in await _page(client, page)
    await _post(client, page + "/split", page, {"merge": merge_id}, status=409)
    # Proposals: an uncertain pair the matcher opened, merged by staff; another rejected.
    from bot.store.tables import organization_proposals
    with sessionmaker.begin() as session:
        session.execute(organization_proposals.insert(), [
            {"organization_id": nantes, "other_id": lyon, "score": 71, "reason": "names 71 % alike", "status": "open"}])
    proposals = await _page(client, "/console/organisations/proposals")
    assert "names 71 % alike" in proposals and "71 %" in proposals
    # The matcher's reason (bot.organisations.matching.REASONS) in the viewer's language.
    french = await (await client.get("/console/organisations/proposals", headers={"Accept-Language": "fr"})).text()
    assert "noms semblables à 71 %" in french and "alike" not in french
    proposal_id = proposals.split("/console/organisations/proposals/")[1].split("/")[0]
    await _post(client, f"/console/organisations/proposals/{proposal_id}/reject", "/console/organisations/proposals", {})
    assert "Nothing to review." in await _page(client, "/console/organisations/proposals")
    await _post(client, f"/console/organisations/proposals/{proposal_id}/merge", "/console/organisations/proposals", {},
                status=409)


def _merge_id(html: str) -> str:
    import re

    found = re.search(r'name="merge" value="(\d+)"', html)
    assert found, "no split button"
    return found.group(1)
