"""The login throttle's rules: when a console login (or a reset request) may be tried. Pure.

Every attempt is reserved in the database *before* its password is checked, in one serialised
transaction that first counts the attempts still open (failed or under way) and then inserts
its own row only if these rules let it through (bot/store/accounts/login_failures.py). So
forty parallel guesses cannot all be checked: each one sees the reservations of those before
it. A success deletes its row and the failures of the same (account, client) pair.

Three limits, chosen so that nobody elsewhere can lock a staff member out:

1. **Per client** (`per_client` attempts in `window`, any accounts): a hard limit, as any
   single machine guessing many accounts is an attack.
2. **Per (account, client)** (`per_email` attempts in `window`): a hard limit for that client
   only. Someone guessing an account from one address is stopped; the real user at their own
   address is not affected.
3. **Per account, everywhere: an exponential back-off, never a lock.** After
   `backoff_after` open attempts on the account within `backoff_window`, from any mix of
   addresses, each further attempt waits `backoff_base` x 2^k after the latest one (k grows with
   each attempt), capped at `backoff_cap` (five minutes). This bounds what many addresses
   together can guess (about one guess per cap). It applies **only softly**: a *trusted*
   client, an address network (IPv4 /24, IPv6 /48) from which this user had a console session
   within `trusted_days`, skips it, so the staff member at their usual place logs in at once
   however much an attacker elsewhere tries; from a new place they wait at most the cap.

Client addresses are counted per address for IPv4 and per /64 for IPv6 (one host commonly
holds a whole /64, which would otherwise give an attacker endless fresh addresses).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    """The throttle's limits (see the module docstring)."""

    per_email: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)
    backoff_after: int = 5
    backoff_base: timedelta = timedelta(seconds=2)
    backoff_cap: timedelta = timedelta(minutes=5)
    backoff_window: timedelta = timedelta(hours=1)
    trusted_days: int = 30

    @property
    def longest_window(self) -> timedelta:
        """How long an attempt must be kept to be counted by any of the limits."""
        return max(self.window, self.backoff_window)


@dataclass(frozen=True)
class Recent:
    """The open attempts (failed or under way) around a new one, each list oldest first."""

    from_client: Sequence[datetime]
    for_pair: Sequence[datetime]
    for_account: Sequence[datetime]
    trusted: bool = False


def wait_seconds(times: Sequence[datetime], *, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `limit` of the attempts `times` (oldest first) are within `window`.

    0 when the door is open. Only the attempts that must age out count: with n >= limit of
    them, the (n - limit + 1)-th oldest is the last one that has to leave the window.
    """
    recent = [moment for moment in times if moment > now - window]
    if len(recent) < limit:
        return 0
    leaves_at = recent[len(recent) - limit] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def backoff_seconds(times: Sequence[datetime], *, policy: Policy, now: datetime) -> int:
    """Seconds the account's back-off still asks for after its open attempts `times` (oldest first).

    The k-th attempt beyond `backoff_after` waits base x 2^(k-1) after the latest one, at most
    the cap; 0 when the door is open.
    """
    recent = [moment for moment in times if moment > now - policy.backoff_window]
    excess = len(recent) - policy.backoff_after + 1
    if excess <= 0:
        return 0
    # The exponent is bounded before it is used, so that a flood cannot make a huge number.
    steps = min(excess - 1, 30)
    delay = min(policy.backoff_cap, policy.backoff_base * (2**steps))
    until = recent[-1] + delay
    if until <= now:
        return 0
    return max(1, math.ceil((until - now).total_seconds()))


def retry_after(recent: Recent, *, policy: Policy, now: datetime) -> int:
    """Seconds before a new attempt may be tried given `recent`; 0: reserve it and go ahead."""
    waits = [
        wait_seconds(recent.from_client, limit=policy.per_client, window=policy.window, now=now),
        wait_seconds(recent.for_pair, limit=policy.per_email, window=policy.window, now=now),
    ]
    if not recent.trusted:
        waits.append(backoff_seconds(recent.for_account, policy=policy, now=now))
    return max(waits)


def client_key(address: str) -> str:
    """The throttle's name for a client: the IPv4 address, or the /64 of an IPv6 one."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    mapped = parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else None
    if mapped is None and parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(mapped or parsed)


def client_network(address: str) -> str:
    """Where a session came from, cut to its network (IPv4 /24, IPv6 /48): shown to the user on
    their account page and compared to recognise a trusted client; never a full address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    mapped = parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else None
    ip = mapped or parsed
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
