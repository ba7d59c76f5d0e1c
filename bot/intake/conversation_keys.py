"""Who owns a conversation: the partner's client holds a secret session key (REST `sender`,
socket.io `session_id`); every other part of the system (Rasa's tracker, the database, the
console, the API, webhooks) knows the conversation by an id derived from that key with a keyed
hash. Knowing a conversation id therefore lets no one talk in, read or join the conversation:
the key cannot be computed back from it, and without the server's secret no one can compute an id
from a key either. Pure."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TypeGuard

#: What a session key looks like (DESIGN.md, "Channels"): long enough not to be guessed.
SESSION_KEY = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
KEY_RULE = "sender must be 32-128 characters of A-Z, a-z, 0-9, '_' and '-' (a secret session key)"
#: Hex digits of a conversation id: 128 bits of the keyed hash.
ID_LENGTH = 32


def is_session_key(value: object) -> TypeGuard[str]:
    """Whether `value` is a well-formed session key."""
    return isinstance(value, str) and SESSION_KEY.match(value) is not None


def conversation_id(key: str, secret: str) -> str:
    """The conversation id of session key `key` under the server's `secret` (HMAC-SHA256, hex)."""
    digest = hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:ID_LENGTH]


def new_session_key() -> str:
    """A fresh key for a client that came without a usable one (socket.io)."""
    return secrets.token_hex(16)
