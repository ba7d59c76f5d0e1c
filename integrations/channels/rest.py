"""The REST channel at /webhooks/rest/webhook, as Rasa's, plus two things partners need:
`metadata` of the request reaches the conversation (e.g. {"language": "es"}) with the language
the message seems to be written in (`detected_language`), and an empty or blank message is
answered with help instead of silence."""
from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.language import metadata_with_guess

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

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata_with_guess(metadata if isinstance(metadata, dict) else None, body.get("message"))
