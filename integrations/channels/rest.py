"""The REST channel at /webhooks/rest/webhook, as Rasa's, plus two things partners need:
`metadata` of the request reaches the conversation (e.g. {"language": "es"}), and an empty or
blank message is answered with help instead of silence."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

#: What a blank message becomes: the `help` intent, which explains and repeats the question.
BLANK_MESSAGE = "/help"


class IntakeRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = (req.json or {}).get("message")
        if not isinstance(message, str) or not message.strip():
            return BLANK_MESSAGE
        return message

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = (request.json or {}).get("metadata")
        return metadata if isinstance(metadata, dict) else None
