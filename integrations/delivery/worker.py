"""The delivery worker: sends the outbox to affiliates and moves unanswered inquiries on.

Each round claims a batch of due deliveries (a lease, so several workers never send the same row
at once and a killed worker's rows come back), sends them concurrently, and records each outcome
as soon as its attempt is over (a hung webhook never holds up the record of an e-mail sent beside
it; outcomes that end together share a transaction). Every e-mail carries a Message-ID derived
from its delivery id, so the one resent after a worker died between sending and recording is
recognisable as the same message.
Every round also re-routes inquiries whose response window has passed and sends the due hand-off
notices (integrations/delivery/handoff_notices.py); at start and then every `purge_seconds` the
worker applies the retention periods (bot/store/retention.py), logging counts only. Beside the
rounds, in its own loop, every `wikidata.interval` seconds it identifies a few organisations on
Wikidata (integrations/delivery/wikidata_lookups.py), whose failures only schedule a retry; in
another, every `recognition.interval` seconds, it sends the partners' monthly recognition reports
(integrations/delivery/recognition_reports.py), whose Commons requests may be slow just as well.

A webhook receiver that answers 410 Gone has its endpoint disabled (bot.store.disabled_endpoints):
that delivery is dead at once, later ones to it are marked dead without being tried, and the
affiliate's e-mail is still sent.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.delivery.endpoints import EndpointsConfig
from bot.delivery.handles import links_for_decision
from bot.delivery.handover import move_on
from bot.delivery.lifecycle import TIMED_OUT, WORKER, overdue_decisions
from bot.delivery.messages import accepted_email_to_partner, routed_email, webhook_body
from bot.store import claim_deliveries, get_inquiry, mark_delivered, mark_failed
from bot.store.clock import as_utc
from bot.store.console.organisations import earlier_partnerships
from bot.store.console.transcripts import delivered_transcript
from bot.store.disabled_endpoints import GONE, SKIPPED, disable_endpoint, disabled_keys, target_hash
from bot.store.outbox import clean_error
from bot.store.queries import opening_of
from bot.store.retention import RetentionPolicy, purge
from integrations.console.rasa_api import RasaApi
from integrations.delivery import metrics
from integrations.delivery.digests import DigestSender
from integrations.delivery.handoff_notices import HandoffNotifier
from integrations.delivery.handoff_sweep import sweep_unclaimed
from integrations.delivery.links import LinkMaker
from integrations.delivery.recognition_reports import RecognitionReporter
from integrations.delivery.senders import DeliveryError
from integrations.delivery.wikidata_lookups import OrganisationIdentifier

log = logging.getLogger("intake.delivery")


@dataclass(frozen=True)
class Attempt:
    """How one delivery went: `error` None when delivered; `gone` when the receiver answered 410
    (its endpoint is disabled), `skipped` when the endpoint was already disabled (not tried)."""

    error: str | None = None
    gone: bool = False
    skipped: bool = False


@dataclass
class Worker:
    """One worker process; `run()` until `stop` is set, finishing the batch in hand."""

    sessionmaker: Any
    endpoints: EndpointsConfig | None
    webhook: Any
    smtp: Any
    links: LinkMaker
    affiliate_names: dict[str, str]
    mail_from: str
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    batch: int = 50
    lease_seconds: float = 120.0
    concurrency: int = 10
    poll_seconds: float = 1.0
    max_attempts: int = 8
    #: The retention periods to apply, None: no purge in this worker.
    retention: RetentionPolicy | None = None
    purge_seconds: float = 3600.0
    #: Conversations of each kind erased per purge transaction (a backlog goes in several).
    purge_batch: int = 200
    #: Sends the hand-off notices each round; None: not this worker's job.
    handoffs: HandoffNotifier | None = None
    #: Ends hand-offs nobody picked up within `handoff_wait_minutes` (handoff_sweep.py); None: not here.
    rasa: RasaApi | None = None
    handoff_wait_minutes: int = 5
    #: Identifies organisations on Wikidata between rounds; None: off (INTAKE_WIKIDATA_API_URL empty).
    wikidata: OrganisationIdentifier | None = None
    #: Sends the affiliates' daily digests (digests.py); None: not this worker's job.
    digests: DigestSender | None = None
    #: Sends the partners' recognition reports in its own loop; None: off (INTAKE_COMMONS_API_URL empty).
    recognition: RecognitionReporter | None = None
    #: When the last round ended (time.monotonic()), for the status port's /health.
    _last_round: float | None = field(default=None, init=False, repr=False)

    def last_round_age(self) -> float | None:
        """Seconds since the last round ended; None before the first one."""
        return None if self._last_round is None else time.monotonic() - self._last_round

    async def run(self, stop: asyncio.Event) -> None:
        log.info("delivery worker %s started", self.worker_id)
        next_purge = time.monotonic()
        # Its own loop: a Wikidata that hangs until the client's timeout, for each organisation
        # of a batch, must not hold up the deliveries.
        identifying = asyncio.create_task(_every(stop, self.wikidata.interval, self.identify_organisations,
                                                 "Wikidata lookups")) if self.wikidata is not None else None
        reporting = asyncio.create_task(_every(stop, self.recognition.interval, self.send_recognition_reports,
                                               "recognition reports")) if self.recognition is not None else None
        while not stop.is_set():
            try:
                if self.retention is not None and time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + self.purge_seconds
                    await self.purge()
                await self.escalate()
                sent = await self.notify_handoffs()
                await self.sweep_handoffs()
                sent += await self.send_digests()
                sent += await self.run_once()
            except Exception:  # a broken round must not end the worker; the lease returns rows
                log.exception("delivery round failed")
                sent = 0
            self._last_round = metrics.round_finished()
            if sent == 0:
                try:
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
                except asyncio.TimeoutError:
                    pass
        for task in (identifying, reporting):
            if task is not None:
                await task
        log.info("delivery worker %s stopped", self.worker_id)

    async def send_recognition_reports(self, now: datetime | None = None) -> dict[str, int]:
        """Send a few of the partners' due recognition reports (recognition_reports.py)."""
        return {} if self.recognition is None else await self.recognition.run_once(now)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim and send one batch; returns how many deliveries were attempted."""
        jobs = await asyncio.to_thread(self._claim, as_utc(now))
        if not jobs:
            return 0
        # One read for the batch's inquiries and links; the sending runs concurrently.
        inquiries, links, disabled = await asyncio.to_thread(self._contexts, jobs)
        gate = asyncio.Semaphore(self.concurrency)
        # Each outcome is recorded as soon as its attempt is over: an e-mail already sent must not
        # wait for a webhook of the same batch that hangs, or a worker killed meanwhile would send
        # it again. The outcomes that end while a record is being written go in the next
        # transaction together (group commit): one transaction per delivery halved the
        # throughput on SQLite (make bench-delivery).
        finished: asyncio.Queue[tuple[Any, Attempt] | None] = asyncio.Queue()
        recorder = asyncio.create_task(self._recorder(finished))

        async def one(job: Any) -> None:
            if (job.affiliate_id, job.channel, target_hash(job.channel, job.target)) in disabled:
                attempt = Attempt(SKIPPED, skipped=True)
            else:
                async with gate:
                    started = time.monotonic()
                    attempt = await self._attempt(job, inquiries.get(job.reference) or {},
                                                  links.get(job.decision_id, {}))
                    metrics.DELIVERY_SECONDS.labels(job.channel).observe(time.monotonic() - started)
            finished.put_nowait((job, attempt))

        try:
            await asyncio.gather(*(one(job) for job in jobs))
            finished.put_nowait(None)
            await recorder
        finally:  # cancelled (a worker stopped hard): a record being written still commits in its thread
            if not recorder.done():
                recorder.cancel()
        return len(jobs)

    async def _recorder(self, finished: asyncio.Queue[tuple[Any, Attempt] | None]) -> None:
        """Record the outcomes as they finish, those waiting together, until None comes."""
        while True:
            group = [await finished.get()]
            while not finished.empty():
                group.append(finished.get_nowait())
            results = [item for item in group if item is not None]
            if results:
                outcomes = await asyncio.to_thread(self._record_group, results)
                for (job, attempt), outcome in zip(results, outcomes, strict=True):
                    metrics.DELIVERIES.labels(job.channel, outcome).inc()
                    log.info("delivery %s %s %s to %s (attempt %d): %s%s", job.delivery_id, job.channel,
                             job.reference, job.affiliate_id, job.attempts + 1, outcome,
                             f" ({clean_error(attempt.error)})" if attempt.error else "")
            if None in group:
                return

    async def notify_handoffs(self, now: datetime | None = None) -> int:
        """Send the due hand-off notices; how many hand-offs were handled."""
        return 0 if self.handoffs is None else await self.handoffs.run_once(now)

    async def send_digests(self, now: datetime | None = None) -> int:
        """Send the affiliates' digests due now (digests.py)."""
        return 0 if self.digests is None else await self.digests.run_once(now)

    async def sweep_handoffs(self, now: datetime | None = None) -> int:
        """Tell the partners who waited too long for a person (handoff_sweep.py)."""
        if self.rasa is None:
            return 0
        return await sweep_unclaimed(sessionmaker=self.sessionmaker, rasa=self.rasa, now=as_utc(now),
                                     wait_minutes=self.handoff_wait_minutes)

    async def identify_organisations(self, now: datetime | None = None) -> dict[str, int]:
        """Look a few due organisations up on Wikidata; the outcomes counted."""
        return {} if self.wikidata is None else dict(await self.wikidata.run_once(now))

    async def escalate(self, now: datetime | None = None) -> int:
        """Move inquiries whose affiliate did not answer in time to the next alternative."""
        return await asyncio.to_thread(self._escalate, as_utc(now))

    async def purge(self, now: datetime | None = None) -> dict[str, int]:
        """Apply the retention periods now; the rows changed per table (logged, never the data)."""
        if self.retention is None:
            return {}
        totals = await asyncio.to_thread(self._purge, self.retention, as_utc(now))
        if totals:
            log.info("retention purge: %s", ", ".join(f"{name} {n}" for name, n in sorted(totals.items())))
        return totals

    # -- steps run in threads (SQLAlchemy is synchronous) ------------------------------------
    def _purge(self, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
        totals: dict[str, int] = {}
        while True:  # short transactions through a backlog, each with its own audit row
            with self.sessionmaker.begin() as session:
                result = purge(session=session, policy=policy, actor=WORKER, now=now,
                               limit=self.purge_batch, record_empty=False)
            for name, n in result.counts.items():
                if n:
                    totals[name] = totals.get(name, 0) + n
            if max(result.counts["conversations_abandoned"], result.counts["inquiries_expired"]) < self.purge_batch:
                return totals

    def _claim(self, now: datetime) -> list:
        with self.sessionmaker.begin() as session:
            return claim_deliveries(
                session=session, worker_id=self.worker_id, limit=self.batch,
                lease_seconds=self.lease_seconds, now=now,
            )

    def _contexts(self, jobs: list) -> tuple[dict[str, dict], dict[int, dict], frozenset[tuple[str, str, str]]]:
        inquiries: dict[str, dict] = {}
        links: dict[int, dict] = {}
        with self.sessionmaker.begin() as session:
            disabled = disabled_keys(session=session)
            for job in jobs:
                if job.reference not in inquiries:
                    inquiry = get_inquiry(session=session, reference=job.reference) or {}
                    # The e-mail shows the partner's first words too; the webhook carries them beside
                    # the inquiry (whose shape is the JSON API's).
                    inquiry["opening"] = opening_of(session=session, reference=job.reference)
                    # Institutional memory: which affiliates worked with this organisation before.
                    inquiry["worked_with"] = [
                        {**earlier, "name": self.affiliate_names.get(earlier["affiliate_id"], earlier["affiliate_id"])}
                        for earlier in earlier_partnerships(session=session, reference=job.reference)]
                    if inquiry.get("wants_person"):  # the affiliate reads what was said before
                        inquiry["transcript"] = delivered_transcript(
                            session=session, conversation_id=inquiry["conversation_id"],
                            consent=bool(inquiry.get("consent")))
                    inquiries[job.reference] = inquiry
                if job.decision_id and job.decision_id not in links:
                    tokens = links_for_decision(session=session, decision_id=job.decision_id)
                    links[job.decision_id] = self.links.for_tokens(tokens)
        return inquiries, links, disabled

    def _escalate(self, now: datetime) -> int:
        moved = 0
        with self.sessionmaker.begin() as session:
            overdue = overdue_decisions(session=session, now=now, limit=100)
            for item in overdue:
                handover = move_on(
                    session=session, endpoints=self.endpoints, reference=item.reference,
                    actor=WORKER, reason=TIMED_OUT, now=now,
                    decision_id=item.decision_id,
                )
                log.info("inquiry %s: %s did not answer in time -> %s", item.reference, item.affiliate_id,
                         handover.affiliate_id or "no alternative left")
                moved += 1
        return moved

    def _record_group(self, results: list[tuple[Any, Attempt]]) -> list[str]:
        """Record attempts' outcomes in one transaction: delivered, retry, dead or stale each."""
        with self.sessionmaker.begin() as session:
            return [self._record(session, job, attempt) for job, attempt in results]

    def _record(self, session: Any, job: Any, attempt: Attempt) -> str:
        if attempt.error is None:
            # A row another worker took over after our lease ran out is not ours to record.
            ok = mark_delivered(session=session, delivery_id=job.delivery_id, worker_id=self.worker_id)
            return "delivered" if ok else "stale"
        if attempt.gone and disable_endpoint(session=session, affiliate_id=job.affiliate_id,
                                             channel=job.channel, target=job.target):
            log.warning("the %s endpoint of %s answered 410 Gone: disabled until `intake endpoints enable "
                        "--affiliate %s`", job.channel, job.affiliate_id, job.affiliate_id)
        return mark_failed(
            session=session, delivery_id=job.delivery_id, worker_id=self.worker_id, error=attempt.error,
            max_attempts=self.max_attempts, final=attempt.gone or attempt.skipped,
        )

    # -- sending ------------------------------------------------------------------------------
    async def _attempt(self, job, inquiry: dict, links: dict) -> Attempt:
        """Send one delivery and say how it went."""
        try:
            await self._send(job, inquiry, links)
        except DeliveryError as failure:
            if job.channel == "webhook" and failure.status == 410:
                return Attempt(GONE, gone=True)
            return Attempt(str(failure))
        except Exception as failure:  # noqa: BLE001 - recorded on the row, never lost
            # Only the class: an unexpected exception's message may quote the inquiry.
            log.error("delivery %s failed unexpectedly: %s", job.delivery_id, type(failure).__name__)
            return Attempt(f"unexpected {type(failure).__name__}")
        return Attempt()

    async def _send(self, job, inquiry: dict, links: dict) -> None:
        name = self.affiliate_names.get(job.affiliate_id, job.affiliate_id)
        if job.channel == "webhook":
            endpoint = self.endpoints.for_affiliate(job.affiliate_id) if self.endpoints else None
            if endpoint is None or endpoint.webhook is None:
                raise DeliveryError("no webhook configured for this affiliate any more")
            body = webhook_body(delivery_id=job.delivery_id, inquiry=inquiry, links=links)
            await self.webhook.send(url=job.target["url"], secret=endpoint.webhook.secret,
                                    delivery_id=job.delivery_id, body=body)
        elif job.channel == "email":
            message = routed_email(inquiry=inquiry, affiliate_name=name, links=links,
                                   sender=self.mail_from, to=list(job.target["to"]), delivery_id=job.delivery_id)
            await self.smtp.send(message)
        elif job.channel == "partner_email":
            message = accepted_email_to_partner(inquiry=inquiry, affiliate_name=name, sender=self.mail_from,
                                                delivery_id=job.delivery_id)
            del message["To"]
            message["To"] = ", ".join(job.target["to"])
            await self.smtp.send(message)
        else:
            raise DeliveryError(f"unknown channel {job.channel!r}")


async def _every(stop: asyncio.Event, interval: float, run: Callable[[], Awaitable[object]], what: str) -> None:
    """`run` every `interval` seconds until `stop`, beside the delivery rounds: a broken run
    must not end the loop (the leases and claims it held run out)."""
    while not stop.is_set():
        try:
            await run()
        except Exception:
            log.exception("%s failed", what)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass
