"""`python -m integrations.delivery`: run one delivery worker until SIGINT / SIGTERM.

Configured by `Settings.from_env()`: the database, the endpoints file, the link secret, SMTP
(`settings.smtp`), the worker's pace (INTAKE_DELIVERY_POLL_SECONDS, _LEASE_SECONDS, _BATCH), the
retention periods it applies every INTAKE_PURGE_INTERVAL_MINUTES (INTAKE_RETENTION_DAYS_ABANDONED,
INTAKE_RETENTION_DAYS) and who hears of hand-off requests (INTAKE_HANDOFF_EMAIL,
INTAKE_HANDOFF_WEBHOOK_URL / _SECRET), and the affiliates' daily digests (digests.py); its /metrics
and /health on 127.0.0.1 at INTAKE_WORKER_METRICS_PORT when set (integrations/delivery/metrics.py);
the organisations it identifies on Wikidata at INTAKE_WIKIDATA_API_URL (empty: none); the partners'
monthly recognition reports from INTAKE_COMMONS_API_URL (empty: none) and INTAKE_METRICS_API_URL.
"""
from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.delivery.endpoints import EndpointsError, load_endpoints
from bot.routing import default_router
from bot.settings import Settings, check_secrets
from bot.store import make_engine, make_sessionmaker, upgrade
from bot.store.retention import RetentionPolicy
from integrations.commons.client import CommonsClient
from integrations.console.rasa_api import RasaApi
from integrations.delivery.digests import DigestSender
from integrations.delivery.handoff_notices import HandoffNotifier
from integrations.delivery.links import LinkMaker
from integrations.delivery.metrics import start_status_port
from integrations.delivery.recognition_reports import RecognitionReporter
from integrations.delivery.senders import SmtpSender, WebhookSender
from integrations.delivery.wikidata_lookups import OrganisationIdentifier
from integrations.delivery.worker import Worker
from integrations.observability import logs
from integrations.wikidata.client import WikidataClient


async def serve(worker: Worker, *, metrics_port: int | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    status = await start_status_port(worker, metrics_port) if metrics_port else None
    try:
        await worker.run(stop)
    finally:
        if status is not None:
            await status.cleanup()
        await worker.webhook.close()
        if worker.wikidata is not None:
            await worker.wikidata.client.close()
        if worker.recognition is not None:
            await worker.recognition.client.close()
        if worker.rasa is not None:
            await worker.rasa.close()


def build_worker(settings: Settings) -> Worker:
    """The worker of these settings; raises EndpointsError / ValueError for bad configuration."""
    if not settings.link_secret:
        raise ValueError("INTAKE_LINK_SECRET is not set: accept / decline links cannot be signed")
    directory = default_router(settings.data_dir).directory
    names = {affiliate.id: affiliate.name for affiliate in directory.affiliates}
    endpoints = None
    if settings.endpoints_file:
        endpoints = load_endpoints(Path(settings.endpoints_file), known_affiliates=names)
    upgrade(settings.database_url)
    sessionmaker = make_sessionmaker(make_engine(settings.database_url))
    webhook, smtp = WebhookSender(), SmtpSender(settings=settings.smtp)
    handoffs = HandoffNotifier(
        sessionmaker=sessionmaker, webhook=webhook, smtp=smtp, public_url=settings.public_url,
        mail_from=settings.smtp.mail_from, emails=settings.handoff_email, webhook_url=settings.handoff_webhook_url,
        webhook_secret=settings.handoff_webhook_secret, endpoints=endpoints, affiliate_names=names,
        lease_seconds=settings.delivery_lease_seconds,
    )
    return Worker(
        sessionmaker=sessionmaker,
        endpoints=endpoints,
        webhook=webhook,
        smtp=smtp,
        links=LinkMaker(settings.public_url, settings.link_secret),
        affiliate_names=names,
        mail_from=settings.smtp.mail_from,
        poll_seconds=settings.delivery_poll_seconds,
        lease_seconds=settings.delivery_lease_seconds,
        batch=settings.delivery_batch,
        retention=RetentionPolicy(abandoned_days=settings.retention_days_abandoned,
                                  inquiry_days=settings.retention_days),
        purge_seconds=settings.purge_interval_minutes * 60.0,
        handoffs=handoffs,
        digests=DigestSender(sessionmaker=sessionmaker, smtp=smtp, public_url=settings.public_url,
                             mail_from=settings.smtp.mail_from,
                             affiliates={affiliate.id: affiliate for affiliate in directory.affiliates},
                             lease_seconds=settings.delivery_lease_seconds),
        rasa=RasaApi(settings) if settings.handoff_live else None,
        handoff_wait_minutes=settings.handoff_wait_minutes,
        wikidata=OrganisationIdentifier(
            sessionmaker=sessionmaker, lease_seconds=settings.delivery_lease_seconds,
            client=WikidataClient(settings.wikidata_api_url, contact=settings.general_contact),
        ) if settings.wikidata_api_url else None,
        recognition=RecognitionReporter(
            sessionmaker=sessionmaker, smtp=smtp, public_url=settings.public_url, mail_from=settings.smtp.mail_from,
            link_secret=settings.link_secret,
            client=CommonsClient(settings.commons_api_url, settings.metrics_api_url, contact=settings.general_contact),
        ) if settings.commons_api_url else None,
    )


def main() -> int:
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"delivery worker: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format)
    try:
        check_secrets(settings)  # a weak or shared secret stops the process before it starts
        worker = build_worker(settings)
    except (EndpointsError, ValueError) as error:
        print(f"delivery worker: {error}", file=sys.stderr)
        return 2
    asyncio.run(serve(worker, metrics_port=settings.worker_metrics_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
