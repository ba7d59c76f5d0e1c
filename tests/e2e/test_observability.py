"""Metrics and health of the real processes (issue 15): the Rasa server's /metrics counts the
messages, the funnel and the handling time of a whole intake; the worker's status port counts its
deliveries and answers /health. No label carries a conversation id or a partner's words."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest
from driver import Conversation
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e

ANSWERS = {"organization_name": "Musée Métrique", "content_language": "French",
           "project_description": "Quill-Orchid-Ledger photographs", "consent": "yes",
           "contact_name": "Alex Metric", "contact_email": "alex.metric@example.org"}


def _get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_rasa_metrics_count_a_whole_intake(stack):
    token = stack.env["INTAKE_API_TOKEN"]
    assert _get(stack.rasa_url + "/metrics")[0] == 401
    assert _get(stack.rasa_url + "/metrics", "not-the-token")[0] == 401
    status, before_text = _get(stack.rasa_url + "/metrics", token)
    assert status == 200
    before = _samples(before_text)
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, "metrics")
    reference = chat.complete_intake("We are a museum in Lyon and want to donate photos under CC BY-SA", ANSWERS)
    assert reference, chat.transcript()
    after_text = _get(stack.rasa_url + "/metrics", token)[1]
    after = _samples(after_text)
    turns = len(chat.turns)
    counted = (_value(after, "intake_messages_total", channel="rest", result="answered")
               - _value(before, "intake_messages_total", channel="rest", result="answered"))
    timed = (_value(after, "intake_message_handling_seconds_count", channel="rest")
             - _value(before, "intake_message_handling_seconds_count", channel="rest"))
    assert counted == timed == turns
    for name in ("intake_conversations_started_total", "intake_inquiries_submitted_total"):
        assert _value(after, name, language="en") - _value(before, name, language="en") == 1, name
    for private in (chat.sender, chat.conversation_id, reference, "Quill-Orchid-Ledger", "alex.metric"):
        assert private and private not in after_text


def test_the_worker_status_port_counts_deliveries_and_answers_health(stack):
    port = stack.env["INTAKE_WORKER_METRICS_PORT"]
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, "worker-metrics")
    assert chat.complete_intake("We are a museum in Lyon and want to donate photos under CC BY-SA", ANSWERS)
    deadline = time.monotonic() + 60
    delivered = 0.0
    while time.monotonic() < deadline and delivered < 1:
        samples = _samples(_get(f"http://127.0.0.1:{port}/metrics")[1])
        delivered = _value(samples, "intake_deliveries_total", channel="webhook", outcome="delivered")
        time.sleep(0.3)
    assert delivered >= 1
    assert ("intake_outbox_lag_seconds", ()) in samples
    assert ("intake_handoffs_open", (("status", "waiting"),)) in samples
    status, body = _get(f"http://127.0.0.1:{port}/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["checks"]["database"] == "ok"
    assert 0 <= health["checks"]["last_round_seconds"] < 60


def test_socketio_messages_are_counted_and_timed(stack):
    from test_socketio import _talk

    token = stack.env["INTAKE_API_TOKEN"]
    before = _samples(_get(stack.rasa_url + "/metrics", token)[1])
    replies = asyncio.run(_talk(stack.rasa_url, ["hello", "We are a museum in Lyon and want to donate photos"]))
    assert replies
    # The reply is emitted before the handling ends: wait for the count rather than race it.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = _samples(_get(stack.rasa_url + "/metrics", token)[1])
        counted = (_value(after, "intake_messages_total", channel="socketio", result="answered")
                   - _value(before, "intake_messages_total", channel="socketio", result="answered"))
        if counted >= 2:
            break
        time.sleep(0.1)
    timed = (_value(after, "intake_message_handling_seconds_count", channel="socketio")
             - _value(before, "intake_message_handling_seconds_count", channel="socketio"))
    assert counted == timed == 2
