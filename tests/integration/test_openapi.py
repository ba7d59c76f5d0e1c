"""schemathesis against a live console (a real port, SQLite and PostgreSQL with inquiries,
conversations and a dead letter stored), with a staff token and an affiliate's token: no 5xx,
every status code documented, every body matching its schema, every content type the documented
one. Examples are bounded (EXAMPLES per operation, generation mode and token) and derandomized,
so a run is the same every time and takes seconds."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from fakes import FakeDecision
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from live_console import live_console
from rasa_events import active_loop, bot, create_events_table, session_started, slot, user, write_events
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update

from bot.delivery.handover import reassign
from bot.intake.model import Inquiry, OrganizationType, PartnershipType, qualify
from bot.settings import Settings
from bot.store import record_deflection, submit_inquiry
from bot.store.accounts.api_tokens import add_token
from bot.store.outbox import DEAD, DeliveryTarget, enqueue_deliveries
from bot.store.tables import deliveries
from integrations.console.openapi import PATH

#: Examples per (operation, generation mode, token): small enough for a few seconds per database.
EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass(frozen=True)
class LiveApi:
    url: str
    tokens: dict[str, str]
    references: dict[str, str]


def _seed(engine, sessionmaker) -> tuple[dict[str, str], str]:
    """Inquiries (routed, re-routed, deflected, one without consent), their conversations' events,
    a conversation without an inquiry, a dead letter; returns the references and an affiliate token."""
    create_events_table(engine)
    references = {}
    with sessionmaker.begin() as session:
        for conv, country, affiliate, consent in (("conv-fr", "FR", "wm-fr", True), ("conv-us", "US", "wikiedu", False),
                                                  ("conv-moved", "FR", "wm-fr", True)):
            inquiry = Inquiry(conversation_id=conv, partnership_type=PartnershipType.CONTENT_DONATION,
                              organization_name=f"Musée {conv}", organization_type=OrganizationType.MUSEUM,
                              country=country, description="Photos «anciennes» ② — 20 000 images",
                              contact_name="Ana", contact_email="ana@example.org", consent=consent)
            stored = submit_inquiry(session=session, inquiry=inquiry, qualification=qualify(inquiry),
                                    decision=FakeDecision(affiliate_id=affiliate))
            references[conv] = stored.reference
            if conv == "conv-fr":
                (delivery,) = enqueue_deliveries(session=session, inquiry_id=stored.id, decision_id=stored.decision_id,
                                                 affiliate_id=affiliate,
                                                 targets=[DeliveryTarget("webhook", {"url": "https://example.org/h"})])
                session.execute(update(deliveries).where(deliveries.c.id == delivery)
                                .values(status=DEAD, attempts=8, last_error="HTTP 500"))
        reassign(session=session, endpoints=None, reference=references["conv-moved"], affiliate_id="wikiedu",
                 actor="staff:test", reason="moved")
        references["conv-coi"] = record_deflection(session=session, conversation_id="conv-coi", language="es").reference
        affiliate_token = add_token(session=session, name="wm-fr crm", affiliate_id="wm-fr")
    for n, conv in enumerate(("conv-fr", "conv-us", "conv-moved", "conv-coi", "conv-abandoned")):
        t = 1_700_000_000.0 + n * 100
        write_events(engine, conv, [
            session_started(t=t), user("Bonjour, un musée à Lyon", "partner_intro", t=t + 1),
            slot("language", "fr", t=t + 2), active_loop("intake_form", t=t + 3),
            slot("requested_slot", "contact_email", t=t + 4),
            bot("Quel est votre e-mail ?", t=t + 5, buttons=[{"title": "Passer", "payload": "/skip"}]),
            user("ana@example.org", "inform", t=t + 6), slot("contact_email", "ana@example.org", t=t + 7),
        ])
    return references, affiliate_token


@pytest.fixture
def live_api(db_url, engine, sessionmaker) -> Iterator[LiveApi]:
    references, affiliate_token = _seed(engine, sessionmaker)
    staff_token = secrets.token_urlsafe(24)
    with live_console(Settings(database_url=db_url, api_token=staff_token)) as url:
        yield LiveApi(url, {"staff": staff_token, "affiliate": affiliate_token}, references)


def _explore(operation, *, mode: GenerationMode, headers: dict[str, str], url: str, http: requests.Session,
             calls: dict[str, int]) -> None:
    """EXAMPLES generated calls of `operation`, each validated by CHECKS (the first failure raises)."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case) -> None:
        response = case.call_and_validate(base_url=url, session=http, headers=headers, checks=CHECKS, timeout=30)
        key = f"{case.method} {operation.path} {response.status_code}"
        calls[key] = calls.get(key, 0) + 1

    call()


def test_schemathesis_finds_no_5xx_and_no_response_outside_the_document(live_api):
    schema = schemathesis.openapi.from_url(live_api.url + PATH)
    schema.validate()
    calls: dict[str, int] = {}
    with requests.Session() as http:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for who, token in live_api.tokens.items():
                    try:
                        _explore(operation, mode=mode, headers={"Authorization": f"Bearer {token}"},
                                 url=live_api.url, http=http, calls=calls)
                    except Unsatisfiable:
                        # No parameters, so nothing to make invalid (/health, /api/affiliates, ...).
                        assert mode is GenerationMode.NEGATIVE, operation.label
                    except Exception as exc:
                        raise AssertionError(f"{operation.label} ({mode.value}, {who} token): {exc}") from exc
    print("schemathesis calls by operation and status:", dict(sorted(calls.items())))
    assert sum(calls.values()) > 100
    # The seeded data was reached: the lists answered 200, a token was refused somewhere (negative
    # mode drops or mangles it), and a bad parameter got its 400.
    assert any(k.startswith("GET /api/inquiries 200") for k in calls)
    assert any(k.endswith(" 400") for k in calls), calls


def test_the_seeded_resources_match_the_document(live_api):
    """The generated examples mostly miss the stored references; these calls hit them, and
    schemathesis validates each real body against the document."""
    schema = schemathesis.openapi.from_url(live_api.url + PATH)
    paths = {
        "/api/inquiries/{reference}": [{"reference": ref} for ref in live_api.references.values()],
        "/api/conversations/{conversation_id}": [{"conversation_id": c} for c in
                                                 ("conv-fr", "conv-us", "conv-moved", "conv-coi", "conv-abandoned")],
    }
    seen = {"staff": 0, "affiliate": 0}
    for who, token in live_api.tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        for path, parameters in paths.items():
            operation = schema["/api" + path.removeprefix("/api")]["GET"]
            for path_parameters in parameters:
                case = operation.Case(path_parameters=path_parameters)
                response = case.call_and_validate(base_url=live_api.url, headers=headers, checks=CHECKS)
                seen[who] += response.status_code == 200
        for path in ("/api/inquiries", "/api/conversations", "/api/affiliates", "/api/deliveries", "/health"):
            case = schema[path]["GET"].Case()
            case.call_and_validate(base_url=live_api.url, headers=headers, checks=CHECKS)
    # Staff read every inquiry and conversation; the affiliate only what was ever routed to it.
    assert seen["staff"] == len(live_api.references) + 5
    assert 0 < seen["affiliate"] < seen["staff"]


def test_the_document_needs_no_token_and_the_api_still_does(live_api):
    document = requests.get(live_api.url + PATH, timeout=10)
    assert document.status_code == 200 and document.headers["Content-Type"].startswith("application/json")
    assert document.json()["openapi"].startswith("3.1")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(live_api.url + "/api/inquiries", timeout=10).status_code == 401
