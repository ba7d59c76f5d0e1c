"""The conversation keys of sealed contact answers (`contact_keys`, see bot/privacy/sealing.py).

Functions take the caller's connection or session, so that a key is created in the transaction
that stores the first events sealed with it, and deleted in the one that erases them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.privacy.vault import new_key
from bot.store.clock import utcnow
from bot.store.tables import contact_keys


def key_of(connection: Any, *, conversation_id: str) -> str | None:
    """The conversation's key, or None when it has none (never sealed, or erased)."""
    return connection.execute(
        select(contact_keys.c.key).where(contact_keys.c.conversation_id == conversation_id)
    ).scalar_one_or_none()


def key_for_sealing(connection: Any, *, conversation_id: str) -> str:
    """The conversation's key, made now if it has none (another server may make it at the same
    moment: then theirs is used)."""
    existing = key_of(connection, conversation_id=conversation_id)
    if existing is not None:
        return existing
    dialect = connection.get_bind().dialect.name
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    connection.execute(
        make(contact_keys)
        .values(conversation_id=conversation_id, key=new_key(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["conversation_id"])
    )
    found = key_of(connection, conversation_id=conversation_id)
    assert found is not None, "the key was just stored"
    return found


def forget_key(connection: Any, *, conversation_id: str) -> int:
    """Delete the conversation's key: its sealed contact answers can never be read again."""
    return connection.execute(
        delete(contact_keys).where(contact_keys.c.conversation_id == conversation_id)
    ).rowcount or 0
