"""Identifying organisations on Wikidata: the delivery worker's periodic job (issue 17, item 2).

Every `interval` seconds the worker claims a few due organisations (bot/store/wikidata_lookups.py:
a lease, so two workers never look up the same one) and looks each up, one after the other
(integrations/wikidata/client.py). The outcome is recorded per organisation in its own short
transaction. Wikidata unreachable, slow or answering nonsense only schedules a retry: the
inquiries, their routing and deliveries never wait for it. Logs carry the record's id and the
outcome, never the organisation's name (it can be a person's, for an individual partner).
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.organisations.matching import Record
from bot.organisations.wikidata import Identification
from bot.store.clock import as_utc
from bot.store.wikidata_lookups import (
    LookupJob,
    claim_lookups,
    record_failure,
    record_identified,
    record_not_found,
)
from integrations.wikidata.client import WikidataClient, WikidataUnavailable

log = logging.getLogger("intake.wikidata")


@dataclass
class OrganisationIdentifier:
    """Looks due organisations up on Wikidata, `batch` per run."""

    sessionmaker: Any
    client: WikidataClient
    batch: int = 5
    lease_seconds: float = 120.0
    #: Seconds between runs in the worker's loop.
    interval: float = 60.0

    async def run_once(self, now: datetime | None = None) -> Counter[str]:
        """Claim and look up one batch; how many ended identified, proposed, not_found, failed, stale."""
        outcomes: Counter[str] = Counter()
        for job in await asyncio.to_thread(self._claim, as_utc(now)):
            outcome = await self._look_up(job, now)
            outcomes[outcome] += 1
        return outcomes

    async def _look_up(self, job: LookupJob, now: datetime | None) -> str:
        record = Record(name=job.name, country=job.country, type=job.type, domain=job.domain)
        try:
            found, judgements = await self.client.identify(record, job.language)
        except WikidataUnavailable as error:
            outcome = await asyncio.to_thread(self._record, job, None, error, now)
            log.warning("organisation %s: Wikidata lookup failed (%s), %s", job.organization_id, error, outcome)
            return outcome
        except Exception as error:  # noqa: BLE001 - a bug here must not stop the deliveries
            outcome = await asyncio.to_thread(self._record, job, None, error, now)
            log.error("organisation %s: Wikidata lookup broke (%s), %s", job.organization_id,
                      type(error).__name__, outcome)
            return outcome
        outcome = await asyncio.to_thread(self._record, job, found, None, now)
        log.info("organisation %s: Wikidata %s%s", job.organization_id, outcome,
                 f" {found.item_id} ({found.reason})" if found else
                 f" ({'; '.join(j.reason for j in judgements[:5]) or 'no result'})")
        return outcome

    def _claim(self, now: datetime) -> list[LookupJob]:
        with self.sessionmaker.begin() as session:
            return claim_lookups(session=session, limit=self.batch, lease_seconds=self.lease_seconds, now=now)

    def _record(self, job: LookupJob, found: Identification | None, error: BaseException | None,
                now: datetime | None) -> str:
        # The time of the outcome, not of the claim: a retry's delay counts from when it failed.
        now = as_utc(now)
        with self.sessionmaker.begin() as session:
            if error is not None:
                return record_failure(session=session, job=job, now=now)
            if found is None:
                return record_not_found(session=session, job=job, now=now)
            return record_identified(session=session, job=job, found=found, now=now)
