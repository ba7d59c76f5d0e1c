"""The console's client of Rasa's HTTP API: how a person's messages reach the conversation.

A person's reply is written into the conversation as Rasa's own `bot` event (POST
/conversations/{id}/tracker/events) with `output_channel=latest` and `execute_side_effects`, so
that Rasa stores it in the tracker (the transcript shows bot and person in order) and sends it
through the partner's channel: over socket.io to the conversation's room at once. Handing the
conversation back runs an action of the assistant (POST /conversations/{id}/execute), which
resumes the paused conversation. Requests carry the admin JWT (integrations/stack/rasa_server.py,
signed with INTAKE_RASA_ADMIN_SECRET) in a header, never in the URL.
"""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.settings import Settings
from integrations.stack.rasa_server import admin_jwt

#: Rasa answers these within milliseconds; a person waiting longer is told it did not work.
TIMEOUT_SECONDS = 10.0


class RasaUnavailable(RuntimeError):
    """Rasa's HTTP API could not be reached, refused the request, or is not configured."""


class RasaApi:
    def __init__(self, settings: Settings) -> None:
        self._base = settings.rasa_url
        self._secret = settings.rasa_admin_secret
        self._session: aiohttp.ClientSession | None = None
        self._token: tuple[float, str] | None = None

    def __repr__(self) -> str:  # never the secret
        return f"RasaApi({self._base!r})"

    def _auth(self) -> dict[str, str]:
        if not self._secret:
            raise RasaUnavailable("INTAKE_RASA_ADMIN_SECRET is not set: the console cannot write to conversations")
        now = time.time()
        if self._token is None or self._token[0] < now + 60:
            self._token = (now + 3600, admin_jwt(self._secret, lifetime_seconds=3600))
        return {"Authorization": f"Bearer {self._token[1]}"}

    async def _post(self, path: str, body: Any, *, params: dict[str, str]) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
        try:
            async with self._session.post(self._base + path, json=body, params=params, headers=self._auth()) as answer:
                if answer.status >= 300:
                    raise RasaUnavailable(f"Rasa answered HTTP {answer.status}")
                return await answer.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaUnavailable(f"Rasa is unreachable ({type(error).__name__})") from error

    async def say(self, conversation_id: str, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Write bot messages (text, metadata) into the conversation and send them to the partner."""
        now = time.time()
        events = [{"event": "bot", "text": text, "timestamp": now + i / 1000, "metadata": metadata}
                  for i, (text, metadata) in enumerate(messages)]
        await self._post(f"/conversations/{quote(conversation_id, safe='')}/tracker/events", events,
                         params={"output_channel": "latest", "execute_side_effects": "true"})

    async def run_action(self, conversation_id: str, action: str) -> None:
        """Run one of the assistant's actions in the conversation, its messages sent to the partner."""
        await self._post(f"/conversations/{quote(conversation_id, safe='')}/execute", {"name": action},
                         params={"output_channel": "latest"})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

