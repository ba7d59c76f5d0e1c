"""The login throttle in front of password checks: reserve an attempt before checking, release
it on success. The rules are bot/staff/login_throttle.py's (read its docstring for why they
cannot be used to lock a staff member out); the reservations are kept in the database, so every
console process sees the same ones.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.staff.login_throttle import Recent, client_key, client_network, retry_after, wait_seconds
from bot.store.accounts.login_failures import Reservation, release_attempt, reserve_attempt
from bot.store.clock import utcnow
from integrations.console import db
from integrations.console.i18n import translate_plural
from integrations.console.keys import THROTTLE_POLICY

#: The pseudo-account under which requests for reset links are counted (no e-mail has a '#').
RESET_REQUESTS = "#password-reset"


def client_address(request: web.Request) -> str:
    """The client's address as the server sees it (X-Forwarded-For is not trusted)."""
    return request.remote or "unknown"


async def reserve(request: web.Request, email: str) -> Reservation:
    """Reserve a password check of `email` from this client, or learn how long to wait."""
    policy = request.app[THROTTLE_POLICY]
    address = client_address(request)
    return await db.write(
        request,
        reserve_attempt,
        email=email,
        client=client_key(address),
        network=client_network(address),
        window=policy.window,
        account_window=policy.backoff_window,
        trusted_since=utcnow() - timedelta(days=policy.trusted_days),
        decide=lambda recent: retry_after(recent, policy=policy, now=utcnow()),
    )


async def reserve_reset_request(request: web.Request) -> Reservation:
    """Count a request for a reset link from this client against its limits (per client, and
    `per_email` reset requests per window); such a request is never released."""
    policy = request.app[THROTTLE_POLICY]
    address = client_address(request)

    def decide(recent: Recent) -> int:
        now = utcnow()
        return max(
            wait_seconds(recent.from_client, limit=policy.per_client, window=policy.window, now=now),
            wait_seconds(recent.for_pair, limit=policy.per_email, window=policy.window, now=now),
        )

    return await db.write(
        request,
        reserve_attempt,
        email=RESET_REQUESTS,
        client=client_key(address),
        network=client_network(address),
        window=policy.window,
        account_window=policy.window,
        trusted_since=None,
        decide=decide,
    )


async def succeeded(request: web.Request, email: str, attempt_id: int) -> None:
    """A success releases its attempt and this client's failures for `email`."""
    await db.write(
        request, release_attempt, attempt_id=attempt_id, email=email, client=client_key(client_address(request))
    )


def too_many(wait: int, locale: str = "en") -> str:
    """What a refused attempt is told, in the page's language."""
    minutes = max(1, round(wait / 60))
    return translate_plural(locale, "Too many failed attempts. Try again in %(num)d minute.",
                            "Too many failed attempts. Try again in %(num)d minutes.", minutes) % {"num": minutes}
