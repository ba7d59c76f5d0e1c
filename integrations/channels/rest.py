"""The REST channel at /webhooks/rest/webhook, as Rasa's, plus what partners need.

- `sender` is the partner's secret session key (32-128 characters of [A-Za-z0-9_-]); the
  conversation is the id derived from it (integrations/channels/ownership.py), which comes back in
  every reply as `recipient_id`. A body that is not a JSON object, or a missing or malformed
  `sender`, is answered with HTTP 400 and a one-line JSON error, never a 500 and never a shared
  "default" conversation.
- `metadata` of the request reaches the conversation (e.g. {"language": "es"}) with the language
  the message seems to be written in (`detected_language`).
- An empty or blank message is answered with help instead of silence, and a message that got no
  reply at all gets an apology (replies.py). Partner text is never logged.
- A fault (replies.py) gets one polite request to send the message again, in the partner's
  language, and nothing of the turn is saved: with HTTP 200 as a bot message when an action call
  failed; with HTTP 503, `Retry-After` and `{"error", "recipient_id", "text"}` when the
  conversation store cannot be reached.
- During a hand-off to a person (handoff.py) the partner's messages go to the person, never to
  the NLU, and the reply holds what was said to the partner since their previous message (a
  person's replies); a blank message then only fetches those. After a hand-off, what the
  assistant said when it ended comes first in the next reply.
- Rate limits (limits.py): over a conversation's or a client address's limit the message is
  dropped and answered with HTTP 429, `Retry-After` and a one-line JSON error.
- Behind HAProxy each message carries the balancer's id (MESSAGE_ID_HEADER), stored with it: a
  message the balancer sends again after its server died is answered with the replies that
  server saved, not handled twice (turns.py).
- Each message is timed and counted (metrics.py), and the blueprint gives the server `GET /metrics`.
"""
from __future__ import annotations

import json
import logging
import re
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.intake.conversation_keys import KEY_RULE, is_session_key
from bot.settings import Settings
from integrations.channels import metrics
from integrations.channels.handoff import TO_PERSON, HandoffGate, out_of_band_since_last, person_parse
from integrations.channels.limits import RateLimiter, Verdict, client_address
from integrations.channels.metadata import message_metadata
from integrations.channels.metrics import MetricsBlueprint
from integrations.channels.ownership import Ownership
from integrations.channels.replies import Outcome, always_answered

log = logging.getLogger(__name__)

#: When a partner's client may send a message again after a 503 (a database restart takes seconds).
RETRY_AFTER_S = 5
#: The channel's name in metrics (and Rasa's).
CHANNEL = "rest"
#: Set by HAProxy on every REST message, whatever the client sent (deploy/haproxy.cfg.in).
MESSAGE_ID_HEADER = "X-Intake-Message-Id"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: What a blank message becomes: the `help` intent, which explains and repeats the question.
BLANK_MESSAGE = "/help"


def body_of(request: Request) -> dict[str, Any] | None:
    """The request's JSON object, or None when the body is not one (42, null, [], not JSON)."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def readable(text: str) -> str:
    """`text` as valid UTF-8: a lone surrogate ("\\ud800" in JSON) becomes "?" instead of failing
    later where the conversation is stored."""
    return text.encode("utf-8", "replace").decode("utf-8")


def message_of(body: dict[str, Any]) -> str:
    """The partner's text; a missing or blank one is the help request."""
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return BLANK_MESSAGE
    return readable(message)


async def metadata_of(body: dict[str, Any], *, client: str | None) -> dict[str, Any]:
    """The request's metadata (an object, else none) with the language the message seems to be in
    and the hash of the client's address."""
    metadata = body.get("metadata")
    return await message_metadata(metadata if isinstance(metadata, dict) else None, body.get("message"), client=client)


def message_id_of(request: Request) -> str | None:
    """The id HAProxy gives each REST message (MESSAGE_ID_HEADER, deploy/haproxy.cfg.in), which
    a retry of the message on another server keeps: stored with the message, it lets that server
    see that the turn was saved already (turns.check_not_handled). None without the balancer
    (Rasa then makes one up) or when the header is not a UUID."""
    value = request.headers.get(MESSAGE_ID_HEADER) or ""
    return value.lower() if _UUID.fullmatch(value) else None


def bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def too_many(verdict: Verdict) -> HTTPResponse:
    """429 with Retry-After: the message was not read."""
    whose = "this conversation" if verdict.limit == "conversation" else "this address"
    return response.json(
        {"error": f"too many messages from {whose}: try again in {verdict.retry_after} s"},
        status=429, headers={"Retry-After": str(verdict.retry_after)},
    )


def unavailable(conversation: str, said: list[dict[str, Any]]) -> HTTPResponse:
    """503: the conversation store could not be reached, nothing was read or saved; the body
    carries the polite request to send the message again, in the partner's language."""
    text = next((m["text"] for m in said if isinstance(m.get("text"), str)), "")
    return response.json(
        {"error": "the conversation cannot be reached right now: send the message again in a moment",
         "recipient_id": conversation, "text": text},
        status=503, headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def said_out_of_band(conversation: str) -> list[dict[str, Any]]:
    """What was said to the partner out of band since their previous message (handoff.py)."""
    try:
        from sanic import Sanic

        tracker = await Sanic.get_app().ctx.agent.tracker_store.retrieve(conversation)
    except Exception as error:  # noqa: BLE001 - the reply still carries this turn's messages
        log.warning("out-of-band messages unavailable (%s)", type(error).__name__)
        return []
    return out_of_band_since_last(event.as_dict() for event in tracker.events) if tracker else []


class IntakeRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    ownership: Ownership | None = None
    limiter: RateLimiter | None = None
    gate: HandoffGate | None = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = Settings.from_env()
        answered = always_answered(on_new_message, max_chars=settings.max_message_chars)
        ownership = self.ownership = self.ownership or Ownership.from_settings()
        limiter = self.limiter = self.limiter or RateLimiter.from_settings(settings)
        gate = self.gate = self.gate or HandoffGate.from_settings(settings)
        webhook = MetricsBlueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = body_of(request)
            if body is None:
                metrics.count(CHANNEL, "rejected")
                return bad_request("the body must be a JSON object: {\"sender\": ..., \"message\": ...}")
            key = body.get("sender")
            if not is_session_key(key):
                metrics.count(CHANNEL, "rejected")
                return bad_request(KEY_RULE)
            conversation = ownership.conversation_of(key)
            # request.ip is the connection's peer (Sanic's remote_addr would trust headers).
            client = client_address(request.ip, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
            verdict = limiter.check(conversation=conversation, client=client)
            if not verdict.allowed:
                metrics.count(CHANNEL, "rate_limited")
                return too_many(verdict)
            with metrics.handling(CHANNEL) as handled:
                collector = CollectingOutputChannel()
                with_person, ever = await gate.status(conversation)
                text = message_of(body)
                outcome = Outcome.ANSWERED
                try:
                    metadata = await metadata_of(body, client=ownership.client_of(client))
                    if with_person and len(text) <= settings.max_message_chars:
                        # To the person: logged as said, never read by the NLU; silence is expected.
                        handled.result = "to_person"
                        said = "" if text == BLANK_MESSAGE else text
                        await on_new_message(UserMessage(
                            said, collector, conversation, parse_data=person_parse(said), input_channel=self.name(),
                            metadata={**metadata, TO_PERSON: True},
                        ))
                    else:
                        outcome = await answered(UserMessage(text, collector, conversation, input_channel=self.name(),
                                                             metadata=metadata, message_id=message_id_of(request)))
                except CancelledError:
                    handled.result = "failed"
                    log.error("REST message timed out")
                except Exception:  # the partner still gets what was collected; the text stays out of logs
                    handled.result = "failed"
                    log.exception("REST message failed")
                if outcome is Outcome.UNAVAILABLE:
                    handled.result = "unavailable"
                    return unavailable(conversation, collector.messages)
                earlier = await said_out_of_band(conversation) if with_person or ever else []
            return response.json([{"recipient_id": conversation, **m} for m in earlier] + collector.messages)

        return webhook
