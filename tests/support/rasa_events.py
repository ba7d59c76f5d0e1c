"""Writing Rasa tracker events the way Rasa 3.6's SQLTrackerStore does, for tests and benchmarks
that need transcripts without running a conversation."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine

from bot.store.rasa_events import events, rasa_metadata


def create_events_table(engine: Engine) -> None:
    """Create Rasa's `events` table if it is missing (Rasa does this when it starts)."""
    rasa_metadata.create_all(engine)


def user(text: str, intent: str, confidence: float = 0.9, entities: Iterable[dict] = (), *, t: float,
         metadata: dict | None = None) -> dict[str, Any]:
    return {"event": "user", "timestamp": t, "text": text, "input_channel": "socketio",
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": list(entities),
                           "intent_ranking": [{"name": intent, "confidence": confidence}]},
            "metadata": metadata or {}}


def bot(text: str, *, t: float, buttons: list[dict] | None = None) -> dict[str, Any]:
    return {"event": "bot", "timestamp": t, "text": text, "data": {"buttons": buttons} if buttons else {},
            "metadata": {}}


def action(name: str, *, t: float) -> dict[str, Any]:
    return {"event": "action", "timestamp": t, "name": name, "policy": "RulePolicy", "confidence": 1.0}


def slot(name: str, value: Any, *, t: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": t, "name": name, "value": value}


def active_loop(name: str | None, *, t: float) -> dict[str, Any]:
    return {"event": "active_loop", "timestamp": t, "name": name}


def session_started(*, t: float) -> dict[str, Any]:
    return {"event": "session_started", "timestamp": t}


def write_events(engine: Engine, sender_id: str, rows: Iterable[dict[str, Any]]) -> None:
    """Append events to `sender_id`'s tracker, with the columns Rasa fills."""
    values = []
    for event in rows:
        values.append({
            "sender_id": sender_id,
            "type_name": event["event"],
            "timestamp": event.get("timestamp"),
            "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
            "action_name": event.get("name") if event["event"] == "action" else None,
            "data": json.dumps(event),
        })
    with engine.begin() as connection:
        connection.execute(events.insert(), values)
