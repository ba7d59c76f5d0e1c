"""The server's half of conversation ownership (bot.intake.conversation_keys): the secret that
turns a partner's session key into the conversation id, read once per channel from the settings.

Without INTAKE_CONVERSATION_SECRET (`make run` always sets one, kept in var/), the channel makes a
random one for the life of the process and says so: conversations then survive neither a
restart nor a second server, but no conversation id can be computed from outside."""
from __future__ import annotations

import logging
import secrets

from bot.intake.client_cap import client_hash
from bot.intake.conversation_keys import conversation_id
from bot.settings import Settings

log = logging.getLogger(__name__)


class Ownership:
    def __init__(self, secret: str) -> None:
        if not secret:
            log.warning("INTAKE_CONVERSATION_SECRET is not set: conversation ids last only as long as this process")
            secret = secrets.token_urlsafe(32)
        self._secret = secret

    @classmethod
    def from_settings(cls) -> Ownership:
        return cls(Settings.from_env().conversation_secret)

    def conversation_of(self, key: str) -> str:
        """The conversation id that session key `key` owns."""
        return conversation_id(key, self._secret)

    def client_of(self, address: str | None) -> str | None:
        """The keyed hash of a client address (the inquiry cap counts it; the address is never kept)."""
        return client_hash(address, self._secret) if address else None
