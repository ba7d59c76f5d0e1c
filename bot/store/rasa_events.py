"""Rasa's tracker store table (`events`), as Rasa 3.6's SQLTrackerStore creates it, for reading
transcripts and statistics from the shared database.

It lives in its own MetaData: Rasa owns and creates this table, Alembic never touches it.
`data` is the event's JSON as Rasa serialises it (`{"event": "user", "timestamp": ..., "text":
..., "parse_data": {"intent": {...}, "entities": [...]}, ...}`).
"""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

rasa_metadata = MetaData()

events = Table(
    "events",
    rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
