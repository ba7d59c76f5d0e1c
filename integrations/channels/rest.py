"""The REST channel at /webhooks/rest/webhook, as Rasa's, plus what partners need: `metadata`
of the request reaches the conversation (e.g. {"language": "es"}) with the language the message
seems to be written in (`detected_language`), an empty or blank message is answered with help
instead of silence, and a message that got no reply at all gets an apology (replies.py)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from bot.i18n.detect import metadata_with_guess
from integrations.channels.replies import always_answered

#: What a blank message becomes: the `help` intent, which explains and repeats the question.
BLANK_MESSAGE = "/help"


class IntakeRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_message(self, req: Request) -> str | None:
        message = (req.json or {}).get("message")
        if not isinstance(message, str) or not message.strip():
            return BLANK_MESSAGE
        return message

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(always_answered(on_new_message))

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata_with_guess(metadata if isinstance(metadata, dict) else None, body.get("message"))
