"""Rasa's event broker on RabbitMQ, as bot/endpoints.yml names it (`event_broker: type:
integrations.analytics.broker.IntakeEventBroker`, `url: ${INTAKE_RABBITMQ_URL}`).

It is Rasa 3.6's PikaEventBroker with three differences, each for a reason found in its source:

- An empty URL means no broker (`from_endpoint_config` returns None), so that one endpoints file
  serves `make run` without RabbitMQ and the cluster with it. Rasa's `type: pika` with an empty URL
  fails at start.
- The URL is given to aio-pika whole (user, password, port and vhost percent-decoded by aio-pika);
  Rasa's `_configure_url` pastes the raw username and password into the URL and appends the `port`
  option whenever its digits do not appear in the URL, which breaks passwords with `@` or `/` and
  any port but 5672 unless both are repeated as options. `host` (what Rasa logs) is only the host.
- RabbitMQ down when Rasa starts does not hold up or stop Rasa: Rasa's `connect()` tries 20 times
  5 s and then raises, which makes `rasa run` fail to load its agent. Here the connection is made
  in the background, retried every `retry_delay_in_seconds` until it works. Partners are served
  meanwhile; the events saved before the first connection are not published (Rasa drops them when
  it has no exchange) and are counted in `dropped`: the consumer repairs its numbers from the
  `events` table after every RabbitMQ outage (consumer.py).

Once connected, a RabbitMQ restart is Rasa's and aio-pika's business: the connection is robust
(reconnects every 5 s), a publish that fails meanwhile is kept in memory and published again on
reconnection (Rasa's `_unpublished_events`), and the queue is durable with persistent messages.
Those kept events are lost if the Rasa server stops before RabbitMQ is back.

What is published (`analytics_event`): Rasa's event format without anything a partner typed or
the bot said: type, time, the intent's name, an action's, form's or slot's name, and a slot's value
only for `requested_slot` (the name of the question asked). The tracker store publishes the events
it has just saved (integrations/tracker/store.py).
"""
from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any
from urllib.parse import unquote, urlsplit

# PikaEventBroker._publish calls rasa.shared.core.events without importing it (the Rasa server
# has imported it by then; a process that only publishes has not).
import rasa.shared.core.events  # noqa: F401
from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

#: The queue the consumer reads; Rasa's broker declares and binds it too, so that events published
#: before the consumer's first start wait in it.
QUEUE = "intake_analytics"
#: Rasa's fanout exchange (PikaEventBroker's default name).
EXCHANGE = "rasa-exchange"
REQUESTED_SLOT = "requested_slot"


def analytics_event(sender_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The published form of one Rasa event (`Event.as_dict()`): what the dashboard counts and no
    text of the conversation."""
    kind = data.get("event")
    out: dict[str, Any] = {"sender_id": sender_id, "event": kind, "timestamp": data.get("timestamp")}
    if kind == "user":
        intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
        out["parse_data"] = {"intent": {"name": intent}}
    elif kind in ("slot", "active_loop", "action"):
        out["name"] = data.get("name")
        if kind == "slot" and data.get("name") == REQUESTED_SLOT:
            out["value"] = data.get("value")
    return out


class IntakeEventBroker(PikaEventBroker):
    """PikaEventBroker that may be off, takes the URL whole and connects in the background."""

    def __init__(self, url: str, *, event_loop: AbstractEventLoop | None = None, **kwargs: Any) -> None:
        parts = urlsplit(url)
        secure = parts.scheme == "amqps"
        kwargs.setdefault("queues", [QUEUE])
        kwargs.setdefault("exchange_name", EXCHANGE)
        # Never give up: each attempt waits retry_delay_in_seconds (Rasa's default 5 s).
        kwargs.setdefault("connection_attempts", 10**9)
        super().__init__(host=parts.hostname or "", username=unquote(parts.username or "guest"),
                         password=unquote(parts.password or "guest"), port=parts.port or (5671 if secure else 5672),
                         event_loop=event_loop, **kwargs)
        self._url = url
        self._connecting: asyncio.Task | None = None
        #: Events not published because RabbitMQ was not reached yet since the start.
        self.dropped = 0

    @classmethod
    async def from_endpoint_config(cls, broker_config: EndpointConfig | None,
                                   event_loop: AbstractEventLoop | None = None) -> IntakeEventBroker | None:
        url = ((broker_config.url if broker_config else None) or "").strip()
        if broker_config is None or not url:
            return None
        broker = cls(url, event_loop=event_loop, **broker_config.kwargs)
        broker._connecting = broker._loop.create_task(broker._connect_in_background())
        return broker

    async def _connect_in_background(self) -> None:
        try:
            await self.connect()
        except Exception as error:  # only after 10**9 attempts; keep Rasa serving regardless
            logger.error("event broker: RabbitMQ unreachable (%s); events are not published", type(error).__name__)

    def _configure_url(self) -> str:
        return self._url

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        if self._exchange is None:
            # Rasa's _publish would return without a word: say so once, and count.
            if not self.dropped:
                logger.warning("event broker: RabbitMQ not connected yet; events are not published until it is")
            self.dropped += 1
            return
        super().publish(event, headers)

    async def close(self) -> None:
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        await super().close()
