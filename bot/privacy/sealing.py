"""Which tracker events hold a partner's contact answers, and what the transcript keeps of them.

Rasa stores every event of a conversation as JSON (the `events` table). Before an event is
stored, `for_storage` decides what is written:

- the contact slots (`contact_name`, `contact_email`) with a value, a partner message answering
  a contact question after consent, and any message, the bot's summary included, that repeats a
  known contact value are **sealed**: the original goes into an encrypted envelope under the
  conversation's own key, and the transcript keeps a copy with the values replaced by a
  placeholder (the slot's value becomes None);
- every other text (partner messages, slot values such as the description or the organisation's
  name, the bot's replies) has e-mail addresses and phone numbers removed (`redaction`).

`opened` reverses it when Rasa reads the conversation back: with the key, the original; without
it (consent refused or withdrawn, conversation erased), the placeholder copy, which is itself a
valid event. Deleting one key therefore erases the contact answers everywhere they were stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.intake.client_cap import CLIENT_METADATA_KEY
from bot.privacy.redaction import placeholder, redact

#: Slots that hold the partner's contact details (asked only after consent).
CONTACT_SLOTS = frozenset({"contact_name", "contact_email"})
#: The key of a stored event's encrypted original (absent when nothing was sealed).
SEALED = "sealed"


@dataclass
class ConversationState:
    """What the events so far say about consent and the contact answers (replayed in order)."""

    requested_slot: str | None = None
    consent: bool | None = None
    language: str | None = None
    contacts: dict[str, str] = field(default_factory=dict)

    def follow(self, event: Mapping[str, Any]) -> None:
        """Move past `event` (only slot events change what matters here)."""
        if event.get("event") != "slot":
            return
        name, value = event.get("name"), event.get("value")
        if name == "requested_slot":
            self.requested_slot = value if isinstance(value, str) else None
        elif name == "consent":
            self.consent = value if isinstance(value, bool) else None
        elif name == "language" and isinstance(value, str):
            self.language = value
        elif name in CONTACT_SLOTS:
            if isinstance(value, str) and value.strip():
                self.contacts[name] = value
            else:
                self.contacts.pop(name, None)


@dataclass(frozen=True)
class Stored:
    """An event as it is written: `visible` goes into the transcript, `secret` (the original) is
    encrypted beside it, or None when nothing had to be sealed."""

    visible: dict[str, Any]
    secret: dict[str, Any] | None = None


def state_before(events: Iterable[Mapping[str, Any]]) -> ConversationState:
    """The state after `events` (the conversation's stored events, already opened)."""
    state = ConversationState()
    for event in events:
        state.follow(event)
    return state


def withdraws_consent(state: ConversationState, event: Mapping[str, Any]) -> bool:
    """Whether `event` refuses or withdraws consent (then the sealed answers must go at once)."""
    return event.get("event") == "slot" and event.get("name") == "consent" and event.get("value") is not True \
        and state.consent is True


def for_storage(event: Mapping[str, Any], state: ConversationState) -> Stored:
    """What to store of `event`, given the conversation's state just before it; then the caller
    moves `state` past it (`state.follow(event)`)."""
    original = _without_transient(dict(event))
    kind = original.get("event")
    language = state.language
    if kind == "slot" and original.get("name") in CONTACT_SLOTS and original.get("value") is not None:
        return Stored({**original, "value": None}, original)
    if kind == "user" and state.consent is True and state.requested_slot in CONTACT_SLOTS:
        visible = _with_texts(original, lambda _: placeholder("contact", language))
        return Stored(visible, original)
    known = [value for value in state.contacts.values() if len(value) >= 3]
    if kind in ("user", "bot") and known and _mentions(original, known):
        visible = _with_texts(original, lambda text: redact(_hide(text, known, language), language))
        return Stored(visible, original)
    return Stored(_with_texts(original, lambda text: redact(text, language)))


def opened(stored: Mapping[str, Any], secret: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event Rasa reads back: the original when its envelope could be opened, otherwise the
    stored copy (without the envelope)."""
    if secret is not None:
        return dict(secret)
    return {key: value for key, value in stored.items() if key != SEALED}


def _without_transient(event: dict[str, Any]) -> dict[str, Any]:
    """`event` without the metadata that is needed only while its turn lasts: the hash of the
    client's address (the inquiry cap reads it from the current message, and keeps its own
    copy for an hour only)."""
    metadata = event.get("metadata")
    if event.get("event") == "user" and isinstance(metadata, dict) and CLIENT_METADATA_KEY in metadata:
        event["metadata"] = {key: value for key, value in metadata.items() if key != CLIENT_METADATA_KEY}
    return event


# -- texts of an event ---------------------------------------------------------------------------

#: Per event type, the fields that may hold what a person typed or was shown (`metadata`: what
#: the client sent along, and the rendered response's copies of a reply).
_TEXT_FIELDS = {
    "user": ("text", "metadata"),
    "bot": ("text", "data", "metadata"),
    "slot": ("value",),
    "entities": ("entities",),
}


def _with_texts(event: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `event` with `change` applied to every text a person may have typed or been
    shown: a message's text, entities and metadata, a reply's text, buttons and metadata, a
    slot's value. What is changed is new; the rest is shared with `event` (every message's
    events pass through here, and a deep copy of each was a twentieth of the Rasa server's CPU)."""
    out = dict(event)
    for name in _TEXT_FIELDS.get(str(event.get("event")), ()):
        if name in out:
            out[name] = _apply(out[name], change)
    parse = out.get("parse_data") if event.get("event") == "user" else None
    if isinstance(parse, dict):
        parse = out["parse_data"] = dict(parse)
        parse["text"] = _apply(parse.get("text"), change)
        entities = parse.get("entities")
        if isinstance(entities, list):
            parse["entities"] = [{**entity, "value": _apply(entity["value"], change)}
                                 if isinstance(entity, dict) and "value" in entity else entity
                                 for entity in entities]
    return out


def _apply(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_apply(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _apply(item, change) for key, item in value.items()}
    return value


def _mentions(event: Mapping[str, Any], known: Sequence[str]) -> bool:
    found = False

    def look(text: str) -> str:
        nonlocal found
        folded = text.casefold()
        found = found or any(value.casefold() in folded for value in known)
        return text

    _with_texts(dict(event), look)
    return found


def _hide(text: str, known: Sequence[str], language: str | None) -> str:
    """`text` with every known contact value replaced by the contact placeholder."""
    mark = placeholder("contact", language)
    for value in sorted(known, key=len, reverse=True):
        text = re.sub(re.escape(value), lambda _: mark, text, flags=re.IGNORECASE)
    return text
