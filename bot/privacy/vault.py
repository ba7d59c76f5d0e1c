"""Encrypting a conversation's sealed events with its own key (Fernet: AES-128-CBC + HMAC).

One key per conversation, kept in the database (`contact_keys`) apart from the events: deleting
the row is what erasing the contact answers means ("crypto-shredding"); the transcript's copies
then stay placeholders for good.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.privacy.sealing import SEALED, opened


def new_key() -> str:
    """A fresh conversation key (url-safe base64 text, as stored)."""
    return Fernet.generate_key().decode("ascii")


def seal(event: dict[str, Any], key: str) -> str:
    """The encrypted envelope of `event`."""
    return Fernet(key.encode("ascii")).encrypt(json.dumps(event).encode("utf-8")).decode("ascii")


def unseal(envelope: object, key: str | None) -> dict[str, Any] | None:
    """The event in `envelope`, or None when the key is gone, wrong, or the envelope damaged."""
    if key is None or not isinstance(envelope, str):
        return None
    try:
        opened = json.loads(Fernet(key.encode("ascii")).decrypt(envelope.encode("ascii")))
    except (InvalidToken, ValueError):
        return None
    return opened if isinstance(opened, dict) else None


def open_all(stored: list[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """Stored events as Rasa reads them back: sealed ones opened with `key` (None: placeholders)."""
    return [opened(event, unseal(event.get(SEALED), key) if SEALED in event else None) for event in stored]
