"""Login throttling: too many recent failures for an e-mail address or from a client address
and the console refuses to check passwords (429) until the oldest of them is old enough.

Counted in the database, so that every console process sees the same failures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from aiohttp import web

from bot.store.accounts.login_failures import (
    clear_failures,
    failures_for_email,
    failures_for_ip,
    record_failure,
)
from bot.store.clock import utcnow
from integrations.console import db
from integrations.console.keys import THROTTLE_POLICY


def client_ip(request: web.Request) -> str:
    """The client's address as the server sees it (X-Forwarded-For is not trusted)."""
    return request.remote or "unknown"


def wait_seconds(times: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `limit` of the failures `times` (oldest first) are within `window`.

    0 when the door is open. Only the failures that must age out count: with n >= limit of
    them, the (n - limit + 1)-th oldest is the last one that has to leave the window.
    """
    recent = [moment for moment in times if moment > now - window]
    if len(recent) < limit:
        return 0
    leaves_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


async def retry_after(request: web.Request, email: str) -> int:
    """Seconds the caller must wait before trying `email` from this client; 0: go ahead."""
    policy = request.app[THROTTLE_POLICY]
    ip = client_ip(request)
    by_email = await db.read(request, failures_for_email, email=email, window=policy.window)
    by_client = await db.read(request, failures_for_ip, client_ip=ip, window=policy.window)
    now = utcnow()
    return max(
        wait_seconds(by_email, limit=policy.per_email, window=policy.window, now=now),
        wait_seconds(by_client, limit=policy.per_client, window=policy.window, now=now),
    )


async def failed(request: web.Request, email: str) -> None:
    """Count a failed login for `email` from this client."""
    policy = request.app[THROTTLE_POLICY]
    await db.write(
        request, record_failure, email=email, client_ip=client_ip(request), window=policy.window
    )


async def succeeded(request: web.Request, email: str) -> None:
    """A successful login clears the address's failures (which also leave the client's count)."""
    await db.write(request, clear_failures, email=email)
