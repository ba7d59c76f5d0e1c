"""Telling people that a partner asked for a person: the delivery worker's hand-off notices.

Each round (integrations/delivery/worker.py) leases the hand-offs whose notice is due
(bot.store.handoffs.claim_notifications) and sends each one's notice to every target there is:

- an e-mail to the addresses of INTAKE_HANDOFF_EMAIL (settings.handoff_email);
- the `conversation.handoff_requested` webhook to INTAKE_HANDOFF_WEBHOOK_URL, signed with
  INTAKE_HANDOFF_WEBHOOK_SECRET;
- the same webhook to the affiliate the conversation was routed to, when the endpoints file gives
  it one (signed with its secret), unless that endpoint was disabled after a 410 Gone.

The outcome is one per hand-off (bot.store.handoffs.record_notification), recorded as soon as its notice is sent: sent when every target
took it, else retried later with back-off, and dead after `max_attempts`. A retry sends to every
target again under the same delivery id (webhook-id, Idempotency-Key, Message-ID), so a
receiver that already has it recognises the duplicate. Nothing in a notice is personal data
(bot.delivery.handoff_notice), and errors are stored through `clean_error`.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.delivery.endpoints import EndpointsConfig
from bot.delivery.handoff_notice import MISSED, WAITING, HandoffNotice, handoff_body, handoff_email
from bot.store.clock import as_utc
from bot.store.disabled_endpoints import disabled_keys, target_hash
from bot.store.handoffs import HandoffStatus, claim_notifications, record_notification
from bot.store.outbox import clean_error
from integrations.delivery import metrics
from integrations.delivery.links import handoff_links
from integrations.delivery.senders import DeliveryError, MailSending, WebhookSending

log = logging.getLogger("intake.delivery.handoffs")

#: A notice's outcome under the names of the deliveries' outcomes, for intake_deliveries_total.
NOTICE_OUTCOMES = {"sent": "delivered", "pending": "retry"}


@dataclass
class HandoffNotifier:
    """Sends the due hand-off notices of one worker; `run_once()` is one round."""

    sessionmaker: Any
    webhook: WebhookSending
    smtp: MailSending
    public_url: str
    mail_from: str
    #: Staff's addresses (settings.handoff_email); empty: no e-mail.
    emails: tuple[str, ...] = ()
    #: Staff's webhook (settings.handoff_webhook_url / _secret); empty: none.
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    #: The affiliates' endpoints: the conversation's affiliate hears of it by its webhook too.
    endpoints: EndpointsConfig | None = None
    affiliate_names: dict[str, str] = field(default_factory=dict)
    batch: int = 20
    lease_seconds: float = 120.0
    max_attempts: int = 8

    async def run_once(self, now: datetime | None = None) -> int:
        """Send the due notices; returns how many hand-offs were handled."""
        moment = as_utc(now)
        notices, disabled = await asyncio.to_thread(self._claim, moment)
        if not notices:
            return 0
        async def one(notice: HandoffNotice) -> None:
            error = await self._notify(notice, disabled)
            # Recorded as soon as this notice is sent, as the worker's deliveries are: a target
            # that hangs for another notice never holds up this record.
            outcome = await asyncio.to_thread(self._record, notice, error, moment)
            metrics.DELIVERIES.labels("handoff_notice", NOTICE_OUTCOMES.get(outcome, outcome)).inc()
            log.info("hand-off %d notice (%s): %s%s", notice.id, notice.status, outcome, f" ({error})" if error else "")

        await asyncio.gather(*(one(notice) for notice in notices))
        return len(notices)

    # -- steps run in threads (SQLAlchemy is synchronous) ------------------------------------
    def _claim(self, now: datetime) -> tuple[list[HandoffNotice], frozenset[tuple[str, str, str]]]:
        with self.sessionmaker.begin() as session:
            rows = claim_notifications(session, now=now, lease_seconds=self.lease_seconds, limit=self.batch)
            disabled = disabled_keys(session=session) if rows else frozenset()
        return [self._notice(row) for row in rows], disabled

    def _notice(self, row: dict[str, Any]) -> HandoffNotice:
        return HandoffNotice(
            id=int(row["id"]), conversation_id=row["conversation_id"],
            # Claimed, released or closed since: it was waiting when the partner asked.
            status=MISSED if row["status"] == HandoffStatus.MISSED.value else WAITING,
            language=row["language"], affiliate_id=row["affiliate_id"], requested_at=as_utc(row["requested_at"]),
            inquiry_reference=row.get("inquiry_reference"),
            links=handoff_links(self.public_url, row["conversation_id"]),
        )

    def _record(self, notice: HandoffNotice, error: str | None, now: datetime) -> str:
        with self.sessionmaker.begin() as session:
            return record_notification(session, handoff_id=notice.id, error=error, now=now,
                                       max_attempts=self.max_attempts)

    # -- sending ------------------------------------------------------------------------------
    async def _notify(self, notice: HandoffNotice, disabled: frozenset[tuple[str, str, str]]) -> str | None:
        """Send one notice to every target; None when each took it, else the failures (clean)."""
        # With no target configured (no e-mail, no staff webhook, no affiliate webhook) nothing
        # is sent, and the notice counts as sent with no error: there is nobody to tell, and
        # retrying would change nothing. Staff still see the hand-off in the console's inbox.
        failures = []
        for label, send in self._targets(notice, disabled):
            try:
                await send()
            except DeliveryError as failure:
                if label == "affiliate webhook" and failure.status == 410:
                    # The affiliate's receiver is gone: its inquiries' worker disables it; the
                    # hand-off notice is not retried for it.
                    log.warning("hand-off %d: the affiliate's webhook answered 410 Gone", notice.id)
                    continue
                failures.append(f"{label}: {failure}")
            except Exception as failure:  # noqa: BLE001 - recorded on the row, never lost
                failures.append(f"{label}: unexpected {type(failure).__name__}")
        return clean_error("; ".join(failures)) if failures else None

    def _targets(self, notice: HandoffNotice, disabled: frozenset[tuple[str, str, str]]) -> list[tuple[str, Any]]:
        body = handoff_body(notice)
        targets: list[tuple[str, Any]] = []
        if self.emails:
            name = self.affiliate_names.get(notice.affiliate_id or "") if notice.affiliate_id else None
            message = handoff_email(notice, affiliate_name=name, sender=self.mail_from, to=list(self.emails))
            targets.append(("staff e-mail", lambda: self.smtp.send(message)))
        if self.webhook_url:
            targets.append(("staff webhook", lambda: self.webhook.send(
                url=self.webhook_url, secret=self.webhook_secret, delivery_id=notice.delivery_id, body=body)))
        endpoint = (self.endpoints.for_affiliate(notice.affiliate_id)
                    if self.endpoints is not None and notice.affiliate_id else None)
        hook = endpoint.webhook if endpoint is not None else None
        if (hook is not None and hook.url != self.webhook_url
                and (notice.affiliate_id, "webhook", target_hash("webhook", {"url": hook.url})) not in disabled):
            targets.append(("affiliate webhook", lambda: self.webhook.send(
                url=hook.url, secret=hook.secret, delivery_id=notice.delivery_id, body=body)))
        return targets
