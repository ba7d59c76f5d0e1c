"""Re-assigning well (the decision's alternatives first, then every affiliate by name, a
type-ahead field with no default, a confirmation naming the new affiliate before anything
changes) and affiliates' accept / decline (each confirmed, saying what happens next; after a
decline "declined by you, moved to …", never "routed"). Real databases."""
from __future__ import annotations

import html as htmllib
import re
import unicodedata

import pytest
import pytest_asyncio
from console_helpers import add_accounts, console_client, csrf_token, log_in
from fakes import FakeDecision
from sqlalchemy import select

from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.routing import default_router
from bot.store import submit_inquiry
from bot.store.tables import inquiries, routing_decisions

STAFF, FR, GLAM, WMF = "staff@example.org", "fr@example.org", "ch@example.org", "wmf@example.org"


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@pytest.fixture
def refs(sessionmaker) -> dict[str, str]:
    """`lyon` with wm-fr (alternatives wm-ch, wmf-partnerships); `late` with
    wmf-partnerships, the last resort."""
    add_accounts(sessionmaker, {STAFF: None, FR: "wm-fr", GLAM: "wm-ch", WMF: "wmf-partnerships"})
    out = {}
    with sessionmaker.begin() as session:
        for conv, affiliate, alternatives in (("c-lyon", "wm-fr", ("wm-ch", "wmf-partnerships")),
                                              ("c-late", "wmf-partnerships", ())):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=f"Musée {conv}", organization_type=OrganizationType.MUSEUM,
                              country="FR", description="photos", contact_name="Camille",
                              contact_email="camille@example.org", consent=True)
            out[conv[2:]] = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                           decision=FakeDecision(affiliate_id=affiliate,
                                                                 alternatives=alternatives)).reference
    return out


@pytest_asyncio.fixture
async def client(db_url, engine, refs):
    client = await console_client(db_url)
    yield client
    await client.close()


async def _get(client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, path
    return await response.text()


async def _post(client, path: str, status: int, **fields: str) -> str:
    page = path.rsplit("/", 1)[0]
    response = await client.post(path, data={"csrf_token": await csrf_token(client, page), **fields},
                                 allow_redirects=False)
    assert response.status == status, await response.text()
    return await response.text()


def _current(sessionmaker, reference: str) -> str:
    with sessionmaker() as session:
        return session.scalar(select(routing_decisions.c.affiliate_id)
                              .join(inquiries, routing_decisions.c.inquiry_id == inquiries.c.id)
                              .where(routing_decisions.c.is_current.is_(True), inquiries.c.reference == reference))


@pytest.mark.asyncio
async def test_reassign_offers_alternatives_first_then_all_by_name_with_no_default(client, refs):
    await log_in(client, STAFF)
    page = await _get(client, f"/console/inquiries/{refs['lyon']}")
    form = page[page.index('id="reassign"'):page.index("</datalist>")]
    assert "<select" not in form and 'list="reassign-choices"' in form and "required" in form
    assert " value=" not in form[:form.index("<datalist")].replace('type="hidden" name="csrf_token" value=', "")
    values = [htmllib.unescape(v) for v in re.findall(r'<option value="([^"]+)"', form)]
    directory = default_router().directory
    assert values[:2] == ["Wikimedia CH (Switzerland) (wm-ch)",
                          "Wikimedia Foundation Partnerships team (wmf-partnerships)"]
    assert 'label="suggested by routing"' in form and form.count('label="suggested by routing"') == 2
    rest = values[2:]
    assert len(rest) == len(directory) - 3  # every affiliate but the two suggested and the holder
    assert not any(v.endswith("(wm-fr)") for v in values)
    assert rest == sorted(rest, key=fold) and rest[0] != "Wikimedia Argentina (wm-ar)"


@pytest.mark.asyncio
async def test_reassign_is_confirmed_naming_the_affiliate_and_refused_unconfirmed(client, refs, sessionmaker):
    await log_in(client, STAFF)
    path = f"/console/inquiries/{refs['lyon']}/reassign"
    assert "Choose an affiliate from the list" in await _post(client, path, 400, affiliate="", reason="x")
    assert "Choose an affiliate from the list" in await _post(client, path, 400, affiliate="Wikimedia", reason="x")
    # Typed as the list gives it, by code, or by its name with case and accents folded: each only asks.
    for typed in ("Wikimedia Argentina (wm-ar)", "wm-ar", "wikimedia ARGENTINA"):
        confirm = await _post(client, path, 200, affiliate=typed, reason="they speak Spanish")
        assert "Re-assign" in confirm and "to Wikimedia Argentina?" in confirm
        assert "away from Wikimédia France" in confirm and 'name="confirm" value="yes"' in confirm
        assert _current(sessionmaker, refs["lyon"]) == "wm-fr"
    await _post(client, path, 303, affiliate="wm-ar", reason="they speak Spanish", confirm="yes")
    assert _current(sessionmaker, refs["lyon"]) == "wm-ar"


@pytest.mark.asyncio
async def test_accept_asks_for_confirmation_and_says_the_partner_is_told(client, refs, sessionmaker):
    await log_in(client, FR)
    path = f"/console/inquiries/{refs['lyon']}"
    asked = await _post(client, path + "/accept", 200)
    assert "becomes yours" in asked and "The partner is told by e-mail" in asked
    assert "<dt>Status</dt><dd>Routed" in await _get(client, path)
    await _post(client, path + "/accept", 303, confirm="yes")
    assert "Accept this inquiry" not in await _get(client, path + "?done=accepted")


@pytest.mark.asyncio
async def test_decline_says_where_it_goes_and_afterwards_declined_by_you_not_routed(client, refs, sessionmaker):
    await log_in(client, FR)
    path = f"/console/inquiries/{refs['lyon']}"
    glam = "Wikimedia CH (Switzerland)"
    asked = await _post(client, path + "/decline", 200, reason="not our region")
    assert f"It goes on to <strong>{htmllib.escape(glam)}</strong>" in asked and "Yes, decline it" in asked
    assert _current(sessionmaker, refs["lyon"]) == "wm-fr"
    await _post(client, path + "/decline", 303, reason="not our region", confirm="yes")
    page = await _get(client, path)
    # Where it went when they declined (the confirmation said so), not what became of it after.
    assert "Declined by you" in page and f"moved to {htmllib.escape(glam)}, the next affiliate in line" in page
    listed = await _get(client, "/console/inquiries")
    row = listed[listed.index(refs["lyon"]):]
    row = row[:row.index("</tr>")]
    assert f"declined by you, moved to {htmllib.escape(glam)}" in row and "routed" not in row

    # The next one declines too: the last resort is next, and named.
    await client.post("/console/logout", data={"csrf_token": await csrf_token(client, path)})
    await log_in(client, GLAM)
    asked = await _post(client, path + "/decline", 200, reason="busy")
    assert "It goes to <strong>Wikimedia Foundation Partnerships team</strong>" in asked
    await _post(client, path + "/decline", 303, reason="busy", confirm="yes")
    assert "moved to Wikimedia Foundation Partnerships team" in await _get(client, path)
    listed = await _get(client, "/console/inquiries")
    row = listed[listed.index(refs["lyon"]):]
    assert "declined by you, moved to Wikimedia Foundation Partnerships team" in row[:row.index("</tr>")]


@pytest.mark.asyncio
async def test_the_last_resort_is_told_a_decline_keeps_the_inquiry(client, refs):
    await log_in(client, WMF)
    asked = await _post(client, f"/console/inquiries/{refs['late']}/decline", 200, reason="no")
    assert "No other affiliate is left to take it: it stays with you" in asked
