"""The socket.io channel the widget talks to: Rasa's, plus what a public website needs.

- Only pages of the configured site origins (INTAKE_ALLOWED_ORIGINS) may connect: browsers send
  an Origin header with every polling and WebSocket request, and `connect` refuses the others.
  (CORS headers come from Rasa's Sanic-CORS, given the same list as `--cors`; python-engineio's
  own would duplicate them, so it is left off as in Rasa's channel.)
- The `session_id` a client asks for is its secret session key (32-128 characters of
  [A-Za-z0-9_-]; the widget makes 32 hex digits); anything else gets a fresh key. The socket joins
  the room of the conversation id derived from the key (ownership.py), where replies go, and its
  messages go to that conversation whatever `session_id` they carry: a client that knows only a
  conversation id can neither join it nor talk in it.
- Metadata that is not an object is ignored instead of raising, and a blank message is answered
  with help, as on the REST channel.
- During a hand-off to a person (handoff.py) the partner's messages go to the person, never to
  the NLU; the person's replies come to the conversation's room like the assistant's.
- A conversation's messages are handled in the order they arrived (ordering.py).
- A fault (an action call that failed, the conversation store unreachable) gets one polite
  request to send the message again, as a bot message, and nothing else of that turn
  (replies.py).
- Rate limits (limits.py): a message over a conversation's or a client address's limit is
  dropped and answered, in the conversation's language, with a request to slow down.
- Each message is timed and counted (metrics.py); the blueprint gives the server `GET /metrics`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from socketio import AsyncServer

from bot.intake.conversation_keys import is_session_key, new_session_key
from bot.settings import Settings
from integrations.channels import metrics
from integrations.channels.handoff import TO_PERSON, HandoffGate, person_parse
from integrations.channels.limits import RateLimiter, client_address
from integrations.channels.metadata import message_metadata
from integrations.channels.ordering import Sequencer
from integrations.channels.ownership import Ownership
from integrations.channels.replies import always_answered, conversation_language, slow_down_text
from integrations.channels.rest import BLANK_MESSAGE, readable

log = logging.getLogger(__name__)

#: The channel's name in metrics (and Rasa's).
CHANNEL = "socketio"


class MetricsSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also gives the server its `/metrics` route (metrics.py)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        metrics.add_metrics_route(app)

def session_key(requested: Any) -> str:
    """The client's session key when it is a well-formed one, else a new one."""
    return requested if is_session_key(requested) else new_session_key()


def metadata_of(raw: Any) -> dict[str, Any]:
    """The message's metadata as a dict; anything else (bad JSON, a list) is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def cross_server_manager(redis_url: str) -> dict[str, Any]:
    """socket.io's client manager: with several Rasa servers, Redis pub/sub carries an emit to
    the server that holds the partner's socket (a person's reply in a hand-off reaches Rasa's
    API on any server); one server needs none."""
    if not redis_url:
        return {}
    from socketio import AsyncRedisManager

    return {"client_manager": AsyncRedisManager(redis_url, channel="intake-socketio")}


class IntakeSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, IntakeSocketIOInput)
        channel.allowed_origins = Settings.from_env().allowed_origins
        channel.ownership = Ownership.from_settings()
        return channel

    allowed_origins: tuple[str, ...] = ()
    ownership: Ownership | None = None
    limiter: RateLimiter | None = None
    gate: HandoffGate | None = None

    def allows(self, origin: str | None) -> bool:
        """Whether a browser page of `origin` may connect; clients without Origin are not browsers."""
        return origin is None or self.allowed_origins == ("*",) or origin.rstrip("/") in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = Settings.from_env()
        to_person = on_new_message  # during a hand-off: no apology for the assistant's silence
        on_new_message = always_answered(on_new_message, max_chars=settings.max_message_chars)
        gate = self.gate = self.gate or HandoffGate.from_settings(settings)
        turns = Sequencer()
        limiter = self.limiter = self.limiter or RateLimiter.from_settings(settings)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], **cross_server_manager(settings.redis_url))
        blueprint = MetricsSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        ownership = self.ownership = self.ownership or Ownership.from_settings()
        # socket id -> (session key, conversation id), set by session_request.
        sessions: dict[str, tuple[str, str]] = {}
        # socket id -> the client's address, set on connect.
        clients: dict[str, str | None] = {}

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.allows(origin):
                log.warning("socket.io connection from origin %s refused (INTAKE_ALLOWED_ORIGINS)", origin)
                return False
            clients[sid] = client_address(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
                                          settings.trusted_proxies)
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            sessions.pop(sid, None)
            clients.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            key = session_key(data.get("session_id") if isinstance(data, dict) else None)
            conversation = ownership.conversation_of(key)
            previous = sessions.get(sid)
            if previous and previous[1] != conversation:
                await sio.leave_room(sid, previous[1])
            sessions[sid] = (key, conversation)
            if self.session_persistence:
                await sio.enter_room(sid, conversation)
            # The client keeps its key (it is the only one who knows it); replies come to the room.
            await sio.emit("session_confirm", key, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                held = sessions.get(sid)
                if held is None or data.get("session_id") not in (None, held[0]):
                    # No session_request first, or a message for a conversation this socket does
                    # not hold the key of: dropped, never delivered to someone else's conversation.
                    log.warning("socket.io message without this socket's session key ignored")
                    return
                conversation = held[1]
            else:
                conversation = sid
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                text = BLANK_MESSAGE
            text = readable(text)
            output = SocketIOOutput(sio, self.bot_message_evt)
            metadata = metadata_of(data.get(self.metadata_key))
            client = clients.get(sid)
            if not limiter.check(conversation=conversation, client=client).allowed:
                # Dropped unread; the partner is asked to slow down, in the conversation's language.
                metrics.count(CHANNEL, "rate_limited")
                language = await conversation_language(metadata, conversation)
                await output.send_text_message(conversation, slow_down_text(language))
                return
            async with turns.turn(conversation):  # the partner's order, whatever the awaits below take
                with metrics.handling(CHANNEL) as handled:  # timed from its turn: waiting is not handling
                    await _handle(text, output, conversation, metadata, client, handled)

        async def _handle(text: str, output: SocketIOOutput, conversation: str, metadata: dict[str, Any],
                          client: str | None, handled: metrics.Handling) -> None:
            metadata = await message_metadata(metadata, text, client=ownership.client_of(client))
            with_person, _ = await gate.status(conversation)
            if with_person and len(text) <= settings.max_message_chars:
                handled.result = "to_person"
                if text != BLANK_MESSAGE:  # to the person, as said; never read by the NLU
                    await to_person(UserMessage(text, output, conversation, parse_data=person_parse(text),
                                                input_channel=self.name(), metadata={**metadata, TO_PERSON: True}))
                # No reply is coming from the assistant: the widget stops showing it typing.
                await sio.emit(self.bot_message_evt, {"handoff": with_person}, room=conversation)
                return
            await on_new_message(
                UserMessage(text, output, conversation, input_channel=self.name(), metadata=metadata)
            )

        return blueprint
