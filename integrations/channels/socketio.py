"""The socket.io channel the widget talks to: Rasa's, plus what a public website needs.

- Only pages of the configured site origins (INTAKE_ALLOWED_ORIGINS) may connect: browsers send
  an Origin header with every polling and WebSocket request, and `connect` refuses the others.
  (CORS headers come from Rasa's Sanic-CORS, given the same list as `--cors`; python-engineio's
  own would duplicate them, so it is left off as in Rasa's channel.)
- A session id chosen by the client is kept only if it looks like one we hand out (32 hex
  digits), so a page cannot pick a short, guessable conversation id.
- Metadata that is not an object is ignored instead of raising, and a blank message is answered
  with help, as on the REST channel.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from bot.i18n.detect import metadata_with_guess
from bot.settings import Settings
from integrations.channels.replies import always_answered
from integrations.channels.rest import BLANK_MESSAGE

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def session_id(requested: Any) -> str:
    """The client's session id when it is one of ours, else a new one."""
    if isinstance(requested, str) and SESSION_ID.match(requested):
        return requested
    return uuid.uuid4().hex


def metadata_of(raw: Any) -> dict[str, Any]:
    """The message's metadata as a dict; anything else (bad JSON, a list) is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


class IntakeSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, IntakeSocketIOInput)
        channel.allowed_origins = Settings.from_env().allowed_origins
        return channel

    allowed_origins: tuple[str, ...] = ()

    def allows(self, origin: str | None) -> bool:
        """Whether a browser page of `origin` may connect; clients without Origin are not browsers."""
        return origin is None or self.allowed_origins == ("*",) or origin.rstrip("/") in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = always_answered(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.allows(origin):
                log.warning("socket.io connection from origin %s refused (INTAKE_ALLOWED_ORIGINS)", origin)
                return False
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            conversation = session_id(requested)
            if self.session_persistence:
                sio.enter_room(sid, conversation)
            await sio.emit("session_confirm", conversation, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                conversation = data.get("session_id")
                if not isinstance(conversation, str) or not SESSION_ID.match(conversation):
                    log.warning("socket.io message without a valid session_id ignored")
                    return
            else:
                conversation = sid
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                text = BLANK_MESSAGE
            await on_new_message(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    conversation,
                    input_channel=self.name(),
                    metadata=metadata_with_guess(metadata_of(data.get(self.metadata_key)), text),
                )
            )

        return blueprint
