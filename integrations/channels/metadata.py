"""What the channels add to a message's metadata before Rasa sees it.

- `detected_language`: the language guess (bot/i18n/detect.py), computed in a worker thread so
  that a long message does not hold the event loop, and every other conversation, meanwhile.
- CLIENT_METADATA_KEY: a keyed hash of the client's address, which the submit action counts
  (bot/intake/client_cap.py). The channel always overwrites it: a partner cannot choose it.
"""
from __future__ import annotations

import asyncio
from typing import Any

from bot.i18n.detect import metadata_with_guess
from bot.intake.client_cap import CLIENT_METADATA_KEY


async def message_metadata(metadata: dict[str, Any] | None, text: Any, *, client: str | None) -> dict[str, Any]:
    """`metadata` with the language guess for `text` and the hash `client` of the client's address."""
    out = await asyncio.to_thread(metadata_with_guess, metadata, text)
    out.pop(CLIENT_METADATA_KEY, None)
    if client:
        out[CLIENT_METADATA_KEY] = client
    return out
