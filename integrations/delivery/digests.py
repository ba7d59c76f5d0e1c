"""Sending the affiliates' daily digests (bot/delivery/digest.py) from the delivery worker.

Each round, from DIGEST_HOUR_UTC on, every affiliate user with the daily digest whose digest of
the UTC day is not yet sent gets it: claimed in the database first (bot/store/digests.py), so it
goes once per account and day however many workers run, and given back when SMTP fails, to be
tried again next round. A day with nothing new or waiting records the row and sends nothing.
Logs name the user's id, never their address.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.delivery.digest import digest_email, digest_language
from bot.routing.directory import Affiliate
from bot.store.clock import as_utc
from bot.store.digests import DueDigest, claim_digest, digest_rows, due_digests, finish_digest
from integrations.delivery.senders import MailSending

log = logging.getLogger("intake.delivery.digests")

#: Digests go from this hour of the UTC day on: mornings in Europe and Africa, evening in Asia
#: and the Pacific, the night before in the Americas; one fixed hour keeps "daily" exactly daily.
DIGEST_HOUR_UTC = 6


@dataclass
class DigestSender:
    sessionmaker: Any
    smtp: MailSending
    public_url: str
    mail_from: str
    affiliates: dict[str, Affiliate] = field(default_factory=dict)
    lease_seconds: float = 120.0
    hour_utc: int = DIGEST_HOUR_UTC

    async def run_once(self, now: Any = None) -> int:
        """Send the digests due now; returns how many e-mails went."""
        now = as_utc(now)
        if now.hour < self.hour_utc:
            return 0
        day = now.date()
        due = await asyncio.to_thread(self._read, due_digests, day=day, now=now)
        sent = 0
        for account in due:
            sent += await self._one(account, day, now)
        return sent

    async def _one(self, account: DueDigest, day: Any, now: Any) -> int:
        claimed = await asyncio.to_thread(self._write, claim_digest, user_id=account.user_id, day=day, now=now,
                                          lease_seconds=self.lease_seconds)
        if not claimed:
            return 0
        rows = await asyncio.to_thread(self._read, digest_rows, affiliate_id=account.affiliate_id,
                                       since=now - timedelta(days=1))
        listed = len(rows["new"]) + len(rows["waiting"])
        if listed:
            affiliate = self.affiliates.get(account.affiliate_id)
            message = digest_email(
                language=digest_language(account.language, affiliate.languages if affiliate else ()),
                affiliate_name=affiliate.name if affiliate else account.affiliate_id, day=day, now=now, rows=rows,
                console_url=self.public_url, user_id=account.user_id, sender=self.mail_from, to=account.email)
            try:
                await self.smtp.send(message)
            except Exception as exc:  # SMTP down or refusing: the next round tries again
                log.warning("digest for user %s not sent (%s); retried later", account.user_id, type(exc).__name__)
                await asyncio.to_thread(self._write, finish_digest, user_id=account.user_id, day=day, now=now,
                                        sent=False, inquiries_listed=0)
                return 0
        await asyncio.to_thread(self._write, finish_digest, user_id=account.user_id, day=day, now=now, sent=True,
                                inquiries_listed=listed)
        log.info("digest for user %s: %d inquiries%s", account.user_id, listed, "" if listed else " (nothing sent)")
        return 1 if listed else 0

    def _read(self, call: Any, **kwargs: Any) -> Any:
        with self.sessionmaker() as session:
            return call(session=session, **kwargs)

    def _write(self, call: Any, **kwargs: Any) -> Any:
        with self.sessionmaker.begin() as session:
            return call(session=session, **kwargs)
