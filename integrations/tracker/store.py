"""Rasa's SQL tracker store, keeping personal data out of the transcript.

Configured in bot/endpoints.yml (`type: integrations.tracker.store.PrivateSQLTrackerStore`).
Every event goes through bot/privacy/sealing.py on its way into the `events` table: e-mail
addresses and phone numbers typed in free text are removed, and the contact answers given after
consent are sealed with the conversation's own key (bot/store/contact_keys.py). Reading a
conversation back opens the sealed events, so Rasa, the forms and the actions see what the
partner said, while the table, the console's transcripts, flags and exports never hold it.
Refusing or withdrawing consent deletes the key in the same transaction.

Only `save` and `_retrieve` differ from Rasa 3.6's SQLTrackerStore (their bodies follow Rasa's),
and both raise `TrackerStoreUnavailable` when the database cannot be reached (bot/store/outage.py):
"no tracker" would make Rasa start a blank conversation in the middle of someone's intake. The
engine checks a pooled connection before use, so that the first message after an outage does not
fail on a connection the outage broke.
An SQLite file is opened through bot/store's engine (below).
Saving also counts the intake funnel (funnel.py) and publishes the new events, without their text,
to the event broker when one is configured (`_publish`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import Select

from bot.intake.slots import LANGUAGE, REFERENCE
from bot.privacy import sealing, vault
from bot.store import contact_keys, make_engine
from bot.store.outage import unreachable
from bot.store.session import SQLITE_BEGIN_OPTION
from integrations.analytics.broker import analytics_event
from integrations.tracker import funnel

logger = logging.getLogger(__name__)


class TrackerStoreUnavailable(Exception):
    """The conversation store cannot be reached: the conversation is unknown, not new."""


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events hold no free-text contact data (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine: Engine = getattr(self, "engine")  # noqa: B009 - typed here; Rasa leaves it untyped
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # Rasa's own engine for an SQLite file opens it again for every read and write
            # (SQLAlchemy's NullPool) with pysqlite's defaults: each commit waited for an fsync
            # (synchronous=FULL) in Rasa's event loop, and no busy timeout. bot/store's engine
            # keeps connections and writes with synchronous=NORMAL as every other part of the
            # project does (issue 15). Reads take no lock (DEFERRED: in WAL they never wait,
            # and a wait here would stall Rasa's event loop); `save` takes the write lock up
            # front (IMMEDIATE), as it reads the stored count and then writes.
            engine.dispose()
            self.engine = make_engine(url.render_as_string(hide_password=False), sqlite_begin="DEFERRED")
            self.sessionmaker = sessionmaker(bind=self.engine)
        else:
            engine.dispose()
            # Rasa's engine has no pre-ping: after an outage each pooled connection would fail once.
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(str(url)))
            self.sessionmaker = sessionmaker(bind=self.engine)
        self._latest_count, self._latest_data = self._latest_session_statements()

    def _latest_session_statements(self) -> tuple[Select, Select]:
        """The count and the data of the latest session's events, as Rasa's `_event_query`
        selects them (after the latest `session_started`, or all when there is none), built once:
        Rasa builds its ORM query anew for every read and write, and building it and its cache
        key was ~5% of the Rasa server's CPU in `make bench` (issue 15)."""
        events = self.SQLEvent.__table__
        conversation = bindparam("sender_id")
        start = (select(func.max(events.c.timestamp))
                 .where(events.c.sender_id == conversation, events.c.type_name == SessionStarted.type_name)
                 .scalar_subquery())
        latest = (events.c.sender_id == conversation, or_(events.c.timestamp >= start, start.is_(None)))
        return (select(func.count()).select_from(events).where(*latest),
                select(events.c.data).where(*latest).order_by(events.c.id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, redacted and sealed, in one transaction."""
        try:
            saved = self._save(tracker)
        except Exception as error:
            if unreachable(error):
                raise TrackerStoreUnavailable(f"saving a conversation failed ({type(error).__name__})") from error
            raise
        self._publish(tracker.sender_id, saved)

    def _publish(self, conversation_id: str, saved: list[dict[str, Any]]) -> None:
        """The events just stored, to the event broker (INTAKE_RABBITMQ_URL), without the
        conversation's text (integrations/analytics/broker.py).

        Not Rasa's `stream_events`: it reads the whole conversation back to find the new events,
        and after our commit it finds none (it is meant to run before the save); here they are
        known. Published after the commit, so that the events table holds everything the
        consumer has counted (the consumer's repair relies on it)."""
        if self.event_broker is None:
            return
        for data in saved:
            self.event_broker.publish(analytics_event(conversation_id, data))

    def _save(self, tracker: DialogueStateTracker) -> list[dict[str, Any]]:
        conversation_id = tracker.sender_id
        with self.session_scope() as session:
            session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})  # see __init__
            stored_count = session.execute(self._latest_count, {"sender_id": conversation_id}).scalar_one()
            events = list(tracker.events)
            # The tracker holds the latest session's stored events (opened), then the new ones:
            # the stored ones' slot settings are replayed for the state the new ones start from
            # (only the new events are serialised, as in Rasa's own save).
            state = sealing.state_before(
                {"event": "slot", "name": event.key, "value": event.value}
                for event in events[:stored_count] if isinstance(event, SlotSet)
            )
            key: str | None = None
            saved = [event.as_dict() for event in events[stored_count:]]
            for data in saved:
                if sealing.withdraws_consent(state, data):
                    contact_keys.forget_key(session, conversation_id=conversation_id)
                    key = None
                stored = sealing.for_storage(data, state)
                state.follow(data)
                visible = stored.visible
                if stored.secret is not None:
                    key = key or contact_keys.key_for_sealing(session, conversation_id=conversation_id)
                    visible = {**visible, sealing.SEALED: vault.seal(stored.secret, key)}
                session.add(
                    self.SQLEvent(
                        sender_id=conversation_id,
                        type_name=data.get("event"),
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(visible),
                    )
                )
            session.commit()
        reference_before = next((e.value for e in reversed(events[:stored_count])
                                 if isinstance(e, SlotSet) and e.key == REFERENCE), None)
        funnel.count_saved(first=stored_count == 0, language=tracker.get_slot(LANGUAGE),
                           reference_before=reference_before, new=saved)
        logger.debug("Tracker stored to database")
        return saved

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        try:
            return self._read(sender_id, fetch_events_from_all_sessions)
        except Exception as error:
            if unreachable(error):
                raise TrackerStoreUnavailable(f"reading a conversation failed ({type(error).__name__})") from error
            raise

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            if fetch_events_from_all_sessions:
                data = [row.data for row in self._event_query(session, sender_id, fetch_events_from_all_sessions=True)]
            else:
                data = list(session.execute(self._latest_data, {"sender_id": sender_id}).scalars())
            stored = [json.loads(text) for text in data]
            sealed = any(sealing.SEALED in event for event in stored)
            key = contact_keys.key_of(session, conversation_id=sender_id) if sealed else None
        events = vault.open_all(stored, key)
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

