"""A completed conversation reaches the affiliate as a signed webhook and an e-mail; the
accept / decline links work end to end (the real worker, receiver and SMTP server)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import WEBHOOK_SECRET
from driver import Conversation, get_json
from standardwebhooks import Webhook

from bot.delivery.signing import verify_webhook

pytestmark = pytest.mark.e2e

ANSWERS = {"organization_name": "Musée de Lyon", "content_language": "French",
           "project_description": "2,000 photographs of the city", "consent": "yes",
           "contact_name": "Alex Example", "contact_email": "alex@example.org"}


def _intake(stack) -> tuple[str, str]:
    sender = f"dl-{uuid.uuid4().hex[:10]}"
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, sender)
    reference = chat.complete_intake("We are a museum in Lyon and want to donate photos under CC BY-SA", ANSWERS)
    assert reference, chat.transcript()
    return sender, reference


def _webhooks_for(receiver, reference):
    return receiver.wait_for(lambda r: (json.loads(r.body).get("inquiry") or {}).get("reference") == reference)


def _post(url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data or {}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_completed_intake_is_delivered_signed_and_accepted_by_link(stack, peers):
    receiver, smtp = peers
    started = time.monotonic()
    _, reference = _intake(stack)
    hooks = _webhooks_for(receiver, reference)
    assert hooks, "no webhook arrived"
    print(f"webhook arrived {time.monotonic() - started:.1f} s after the intake started")
    hook = hooks[0]
    payload = json.loads(hook.body)
    assert payload["event"] == "inquiry.routed" and payload["delivery_id"] == hook.headers["Idempotency-Key"]
    assert verify_webhook(hook.body, hook.headers["X-Intake-Signature"], WEBHOOK_SECRET, now=int(time.time()))
    # Standard Webhooks (DESIGN.md): the official library verifies the body with the same secret.
    assert Webhook(WEBHOOK_SECRET).verify(hook.body, dict(hook.headers)) == payload
    assert hook.headers["webhook-id"] == payload["delivery_id"]
    assert payload["inquiry"]["routing"]["affiliate_id"] == "wm-fr"
    assert set(payload["links"]) >= {"view", "accept", "decline"}
    mails = smtp.wait_for(lambda m: reference in (m["Subject"] or ""))
    assert mails and mails[0].is_multipart()

    page = urllib.request.urlopen(payload["links"]["accept"], timeout=30).read().decode()
    assert reference in page and "<form" in page  # GET only shows; nothing is accepted yet
    status, _ = _post(payload["links"]["accept"])
    assert status == 200
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["status"] == "accepted"
    assert _post(payload["links"]["accept"])[0] == 410  # single use
    told = smtp.wait_for(lambda m: reference in (m["Subject"] or "") and "alex@example.org" in (m["To"] or ""))
    assert told, "the partner was not told who owns the inquiry"


def test_decline_moves_the_inquiry_to_the_next_alternative(stack, peers):
    receiver, _ = peers
    _, reference = _intake(stack)
    first = json.loads(_webhooks_for(receiver, reference)[0].body)
    alternatives = first["inquiry"]["routing"]["alternatives"]
    status, page = _post(first["links"]["decline"], {"reason": "no capacity this year"})
    assert status == 200, page
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", stack.env["INTAKE_API_TOKEN"])
    assert inquiry["routing"]["affiliate_id"] == alternatives[0] and inquiry["status"] == "routed"
    again = receiver.wait_for(
        lambda r: (json.loads(r.body).get("inquiry") or {}).get("reference") == reference
        and json.loads(r.body)["inquiry"]["routing"]["affiliate_id"] == alternatives[0]
    )
    assert again, "the next alternative was not delivered to"
    assert _post(first["links"]["accept"])[0] == 410  # the old decision's links are superseded


def test_tampered_link_is_refused(stack):
    assert _post(f"{stack.console_url}/respond/not-a-token")[0] == 410
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.console_url}/respond/abc.accept.9999999999.forged", timeout=10)
    assert refused.value.code == 410
