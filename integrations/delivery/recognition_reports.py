"""Sending the partners' monthly recognition reports (bot/delivery/recognition.py) from the
delivery worker, in its own loop like the Wikidata lookups: Commons slow or down never holds up
a delivery.

Each run, for the last full month, a few partnerships due a report (bot/store/recognition_reports.py)
are claimed one by one, their category's figures read (integrations/commons/client.py) and the
e-mail sent. Commons, the metrics API or SMTP failing leaves the report unsent until
`retry_seconds` later. Logs name the partnership's id, never the partner's address or name.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.delivery.recognition import Figures, recognition_email, stop_link
from bot.store.clock import as_utc
from bot.store.recognition_reports import (
    DueReport,
    claim_report,
    due_reports,
    report_failed,
    report_sent,
    reported_month,
)
from integrations.commons.client import CommonsClient, CommonsUnavailable
from integrations.delivery.senders import MailSending

log = logging.getLogger("intake.delivery.recognition")


@dataclass
class RecognitionReporter:
    sessionmaker: Any
    client: CommonsClient
    smtp: MailSending
    public_url: str
    mail_from: str
    link_secret: str = field(repr=False)
    batch: int = 5
    lease_seconds: float = 600.0
    #: Seconds before a failed report is tried again (Commons or SMTP may be down for a while).
    retry_seconds: float = 3600.0
    #: Seconds between runs in the worker's loop.
    interval: float = 300.0

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """Send the reports due now, `batch` at most; {"sent": n, "failed": n}."""
        now = as_utc(now)
        month = reported_month(now)
        due = await asyncio.to_thread(self._read, due_reports, month=month, now=now, limit=self.batch)
        outcomes = {"sent": 0, "failed": 0}
        for report in due:
            outcome = await self._one(report, month, now)
            if outcome:
                outcomes[outcome] += 1
        return outcomes

    async def _one(self, report: DueReport, month: date, now: datetime) -> str | None:
        claimed = await asyncio.to_thread(self._write, claim_report, partnership_id=report.partnership_id,
                                          month=month, now=now, lease_seconds=self.lease_seconds)
        if not claimed:
            return None
        try:
            files = await self.client.files(report.category)
            usage = await self.client.usage(files)
            views = await self.client.views(report.category, month)
            figures = Figures(files=len(files), articles=usage.articles, wikis=usage.wikis, views=views)
            message = recognition_email(
                language=report.language, category=report.category, month=month, figures=figures,
                contact_name=report.contact_name, partnership_id=report.partnership_id,
                stop_url=stop_link(self.public_url, report.partnership_id, self.link_secret, now=now),
                sender=self.mail_from, to=report.email)
            await self.smtp.send(message)
        except Exception as error:  # noqa: BLE001 - APIs or SMTP down, or a bug: retried later, deliveries go on
            reason = str(error) if isinstance(error, CommonsUnavailable) else type(error).__name__
            await asyncio.to_thread(self._write, report_failed, partnership_id=report.partnership_id, month=month,
                                    retry_at=now + timedelta(seconds=self.retry_seconds))
            log.warning("recognition report of partnership %s for %s not sent (%s); retried later",
                        report.partnership_id, f"{month:%Y-%m}", reason)
            return "failed"
        await asyncio.to_thread(self._write, report_sent, partnership_id=report.partnership_id, month=month,
                                now=now, files=figures.files, articles=figures.articles, views=figures.views)
        log.info("recognition report of partnership %s for %s sent", report.partnership_id, f"{month:%Y-%m}")
        return "sent"

    def _read(self, call: Any, **kwargs: Any) -> Any:
        with self.sessionmaker() as session:
            return call(session=session, **kwargs)

    def _write(self, call: Any, **kwargs: Any) -> Any:
        with self.sessionmaker.begin() as session:
            return call(session=session, **kwargs)
