"""The Rasa server's metrics: message handling by our channels, and `GET /metrics` to read them.

- `intake_message_handling_seconds{channel}`: from a partner's message arriving at the REST or
  socket.io channel to its reply being ready (the NLU, the policies, the action calls and the
  tracker's save included);
- `intake_messages_total{channel, result}`: `answered` (the assistant's turn ran), `to_person`
  (during a hand-off), `rate_limited`, `rejected` (a malformed REST request), `failed`;
- the intake funnel counted where conversations are saved (integrations/tracker/funnel.py).

No label holds a conversation id, a session key or anything a partner typed. `/metrics` is
added to the Rasa server's own routes (not under /webhooks/...) by the channels' blueprints and
needs `Authorization: Bearer $INTAKE_API_TOKEN`, as the console's: the Rasa server faces the
public, and a scraper has that token anyway. Without INTAKE_API_TOKEN it answers 503.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter, Histogram
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings
from integrations.observability.prometheus import CONTENT_TYPE, bearer_allows, exposition

METRICS_PATH = "/metrics"
ROUTE_NAME = "intake_metrics"

MESSAGE_SECONDS = Histogram(
    "intake_message_handling_seconds", "Time from a partner's message to its reply, by channel.", ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MESSAGES = Counter("intake_messages_total", "Partners' messages by channel and result.", ["channel", "result"])


class Handling:
    """One message being handled: its result defaults to `answered`, a failure says `failed`."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.result = "answered"


@contextmanager
def handling(channel: str) -> Iterator[Handling]:
    """Time one message's handling and count it under the result the caller sets."""
    started = time.perf_counter()
    state = Handling(channel)
    try:
        yield state
    except BaseException:
        state.result = "failed"
        raise
    finally:
        MESSAGE_SECONDS.labels(channel).observe(time.perf_counter() - started)
        MESSAGES.labels(channel, state.result).inc()


def count(channel: str, result: str) -> None:
    """A message not handled (rate-limited, rejected): counted, not timed."""
    MESSAGES.labels(channel, result).inc()


def add_metrics_route(app: Sanic) -> None:
    """Add `GET /metrics` to the Rasa server once, whichever channel comes first."""
    if getattr(app.ctx, ROUTE_NAME, False):
        return
    setattr(app.ctx, ROUTE_NAME, True)
    token = Settings.from_env().api_token

    async def metrics(request: Request) -> HTTPResponse:
        if not token:
            return response.json({"error": "INTAKE_API_TOKEN is not configured"}, status=503)
        if not bearer_allows(request.headers.get("authorization"), token):
            return response.json({"error": "missing or invalid bearer token"}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer realm="intake"'})
        return response.raw(exposition(), headers={"Content-Type": CONTENT_TYPE})

    app.add_route(metrics, METRICS_PATH, methods=["GET"], name=ROUTE_NAME)


class MetricsBlueprint(Blueprint):
    """A channel's blueprint that also gives the server its `/metrics` route."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        add_metrics_route(app)
