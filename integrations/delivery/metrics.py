"""The delivery worker's metrics and its small status port (INTAKE_WORKER_METRICS_PORT).

The worker has no other HTTP server: this one listens on 127.0.0.1 only (a Prometheus on the
same host, or a proxy the operator configures, reaches it) and answers
- `GET /metrics`: the Prometheus exposition; the outbox and hand-off gauges are read from the
  database at scrape time, so they are as fresh as the scrape;
- `GET /health`: 200 {"status": "ok", "checks": {"database": "ok", "last_round_seconds": s}}, or
  503 with "status": "unavailable" when the database cannot be reached or the last round ended
  longer ago than `stale_after` seconds (a worker stuck in a round).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text

from bot.store.backlog import open_handoffs, outbox_backlog
from integrations.observability.prometheus import CONTENT_TYPE, exposition

log = logging.getLogger(__name__)

#: Outcomes: delivered, retry, dead, stale (another worker holds the row now).
DELIVERIES = Counter("intake_deliveries_total", "Delivery attempts by channel and outcome.", ["channel", "outcome"])
DELIVERY_SECONDS = Histogram("intake_delivery_attempt_seconds", "Time one delivery attempt took.", ["channel"],
                             buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
OUTBOX_PENDING = Gauge("intake_outbox_pending_deliveries", "Deliveries not yet delivered, dead or cancelled.")
OUTBOX_DUE = Gauge("intake_outbox_due_deliveries", "Pending deliveries whose time has come.")
OUTBOX_LAG = Gauge("intake_outbox_lag_seconds", "How long the oldest due delivery has been due (0: none is).")
HANDOFFS_OPEN = Gauge("intake_handoffs_open", "Open hand-offs by status (waiting, with_person).", ["status"])
LAST_ROUND = Gauge("intake_worker_last_round_timestamp_seconds", "When this worker last finished a round (Unix time).")


def read_backlog(sessionmaker: Any) -> None:
    """Set the outbox and hand-off gauges from the database (in a thread: SQLAlchemy is synchronous)."""
    with sessionmaker.begin() as session:
        backlog = outbox_backlog(session)
        handoffs = open_handoffs(session)
    OUTBOX_PENDING.set(backlog.pending)
    OUTBOX_DUE.set(backlog.due)
    OUTBOX_LAG.set(backlog.lag_seconds)
    for status, n in handoffs.items():
        HANDOFFS_OPEN.labels(status).set(n)


def _ping(sessionmaker: Any) -> None:
    with sessionmaker() as session:
        session.execute(text("SELECT 1"))


def status_app(worker: Any, *, stale_after: float = 300.0) -> web.Application:
    """The status port's application for `worker` (integrations/delivery/worker.py)."""

    async def metrics(_: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(read_backlog, worker.sessionmaker)
        except Exception as error:  # noqa: BLE001 - the counters are still worth serving
            log.warning("metrics: the backlog could not be read (%s)", type(error).__name__)
        return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE})

    async def health(_: web.Request) -> web.Response:
        checks: dict[str, object] = {}
        try:
            await asyncio.to_thread(_ping, worker.sessionmaker)
            checks["database"] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy; no URL in the answer
            log.warning("health: database unavailable (%s)", type(error).__name__)
            checks["database"] = "unavailable"
        age = worker.last_round_age()
        checks["last_round_seconds"] = None if age is None else round(age, 3)
        stuck = age is not None and age > stale_after
        if stuck:
            checks["rounds"] = "stalled"
        ok = checks["database"] == "ok" and not stuck
        return web.json_response({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    return app


async def start_status_port(worker: Any, port: int, *, stale_after: float = 300.0) -> web.AppRunner:
    """Serve `status_app` on 127.0.0.1:`port`; the caller cleans the runner up."""
    runner = web.AppRunner(status_app(worker, stale_after=stale_after), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    log.info("worker metrics and health on http://127.0.0.1:%d/", port)
    return runner


def round_finished() -> float:
    """Mark a round as finished now; returns the monotonic time for the worker's own health."""
    LAST_ROUND.set(time.time())
    return time.monotonic()
