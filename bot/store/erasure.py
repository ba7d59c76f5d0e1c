"""Erasing a partner's personal data, and the audit trail of every erasure.

`erase_conversation` is the ONE place that knows what "delete this conversation's personal data"
means; `intake erase` and the retention purge (bot/store/retention.py) both go through it:

- its Rasa tracker events (the transcript, slot values included) are deleted, and its contact key
  (`contact_keys`, the key of its sealed contact answers, bot/privacy/sealing.py) with them;
- its inquiry stays for the movement's statistics (type, organisation, country, routing, status),
  with `contact_name` and `contact_email` NULL, `consent` false, `description` and `opening`
  replaced by the marker "[erased]" (when they had a value) and `erased_at` set;
- its review flags (copies of partner messages) are deleted, and its dashboard facts
  (`conversation_stats`, keyed by the conversation id);
- its `partner_email` deliveries get the target {"to": ["[erased]"]}; pending ones are cancelled;
- the partner's e-mail and name inside its notes and status reasons become "[erased]".

Its organisation record stays as it is (name, aliases, website domain, Wikidata item): it describes
the organisation, not the partner. The record never held the address: only a non-webmail domain,
and only from a partner who consented (bot/store/organization.py).

Contact fields become NULL rather than the marker because consumers of the API and webhooks
read them as an address and a name; free-text fields get the marker so that a reader sees why
they are empty. The audit row (`erasures`) keeps counts and inquiry references, never the e-mail,
the name or the conversation id.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from bot.privacy.sealing import CONTACT_SLOTS
from bot.privacy.vault import open_all
from bot.store.clock import as_utc
from bot.store.contact_keys import forget_key, key_of
from bot.store.conversation_stats import forget as forget_stats
from bot.store.names import canonical_reference
from bot.store.rasa_events import events
from bot.store.tables import (
    conversation_stats,
    deliveries,
    erasures,
    inquiries,
    inquiry_notes,
    review_flags,
    status_history,
)

MARK = "[erased]"
SELECTORS = ("email", "reference", "conversation")
PENDING = "pending"


@dataclass
class Erasure:
    """What one erase or purge did: rows changed per table and the references of its inquiries."""

    counts: Counter[str] = field(default_factory=Counter)
    references: list[str] = field(default_factory=list)

    def add(self, counts: Mapping[str, int], reference: str | None = None) -> None:
        self.counts.update(counts)
        if reference and reference not in self.references:
            self.references.append(reference)

    @property
    def changed(self) -> bool:
        return any(self.counts.values())


def has_transcripts(*, session: Session) -> bool:
    """Whether Rasa's `events` table exists yet (Rasa creates it when it first starts; the CLI may
    run before that). Asked once per session."""
    if "has_events" not in session.info:
        session.info["has_events"] = inspect(session.connection()).has_table(events.name)
    return bool(session.info["has_events"])


def find_conversations(*, session: Session, selector: str, value: str) -> list[str]:
    """The conversation ids whose data belongs to the person `selector`/`value` names.

    By e-mail: conversations whose inquiry has that contact address (any case) or mentions it in
    its description or first message, whose transcript or flagged messages contain it, or whose
    partner e-mails went to it.
    """
    if selector == "conversation":
        found = set(session.scalars(select(inquiries.c.conversation_id).where(inquiries.c.conversation_id == value)))
        if has_transcripts(session=session):
            found |= set(session.scalars(select(events.c.sender_id).where(events.c.sender_id == value).limit(1)))
        found |= set(session.scalars(select(conversation_stats.c.conversation_id)
                                     .where(conversation_stats.c.conversation_id == value).limit(1)))
    elif selector == "reference":
        found = set(session.scalars(select(inquiries.c.conversation_id)
                                    .where(inquiries.c.reference == canonical_reference(value))))
    elif selector == "email":
        address = value.strip().lower()
        pattern = _contains(address)
        found = set(session.scalars(select(inquiries.c.conversation_id).where(or_(
            func.lower(inquiries.c.contact_email) == address,
            inquiries.c.description.ilike(pattern, escape="\\"),
            inquiries.c.opening.ilike(pattern, escape="\\"),
        ))))
        if has_transcripts(session=session):
            # A full scan of the transcripts: erasure is rare and must not miss a conversation.
            found |= set(session.scalars(select(events.c.sender_id).distinct()
                                         .where(events.c.data.ilike(pattern, escape="\\"))))
        found |= set(session.scalars(select(review_flags.c.conversation_id)
                                     .where(review_flags.c.text.ilike(pattern, escape="\\"))))
        found |= set(session.scalars(
            select(inquiries.c.conversation_id)
            .join(deliveries, deliveries.c.inquiry_id == inquiries.c.id)
            .where(deliveries.c.channel == "partner_email",
                   cast(deliveries.c.target, Text).ilike(pattern, escape="\\"))))
    else:
        raise ValueError(f"unknown selector {selector!r}; one of {', '.join(SELECTORS)}")
    return sorted(found)


def erase_conversation(*, session: Session, conversation_id: str, also: Iterable[str] = (),
                       now: datetime | None = None) -> tuple[Counter[str], str | None]:
    """Delete one conversation's personal data (see the module's docstring); rows changed per
    table and the reference of its inquiry, if it has one. `also`: more words to cut from its
    notes (the e-mail an erasure was asked for)."""
    counts: Counter[str] = Counter()
    inquiry = session.execute(select(inquiries).where(inquiries.c.conversation_id == conversation_id)).first()
    words = {w for w in also if w}
    if inquiry is not None:
        words |= {w for w in (inquiry.contact_name, inquiry.contact_email) if w}
    if has_transcripts(session=session):
        words |= _contact_slot_values(session=session, conversation_id=conversation_id)
        counts["events"] += session.execute(delete(events).where(events.c.sender_id == conversation_id)).rowcount
    counts["contact_keys"] += forget_key(session, conversation_id=conversation_id)
    counts["conversation_stats"] += forget_stats(session=session, conversation_id=conversation_id)
    flags = review_flags.c.conversation_id == conversation_id
    counts["review_flags_exported"] += session.execute(
        select(func.count()).select_from(review_flags).where(flags, review_flags.c.exported_at.isnot(None))
    ).scalar_one()
    counts["review_flags"] += session.execute(delete(review_flags).where(flags)).rowcount
    if inquiry is None:
        return counts, None

    personal = (inquiry.contact_name, inquiry.contact_email, inquiry.consent or None,
                None if inquiry.description in (None, MARK) else 1, None if inquiry.opening in (None, MARK) else 1)
    session.execute(update(inquiries).where(inquiries.c.id == inquiry.id).values(
        contact_name=None, contact_email=None, consent=False,
        description=None if inquiry.description is None else MARK,
        description_folded=None,
        opening=None if inquiry.opening is None else MARK,
        erased_at=inquiry.erased_at or as_utc(now),
    ))
    counts["inquiries"] += int(any(v is not None for v in personal))
    counts.update(_erase_partner_emails(session=session, inquiry_id=inquiry.id))
    counts["inquiry_notes"] += _scrub(session=session, column=inquiry_notes.c.body, words=words,
                                      where=inquiry_notes.c.inquiry_id == inquiry.id)
    counts["status_history"] += _scrub(session=session, column=status_history.c.reason, words=words,
                                       where=status_history.c.inquiry_id == inquiry.id)
    return counts, inquiry.reference


def scrub_everywhere(*, session: Session, word: str) -> Counter[str]:
    """Replace `word` (an e-mail address) in every note and status reason, whichever inquiry
    they belong to: staff may have written it on another inquiry."""
    pattern = _contains(word.lower())
    return Counter({
        "inquiry_notes": _scrub(session=session, column=inquiry_notes.c.body, words={word},
                                where=inquiry_notes.c.body.ilike(pattern, escape="\\")),
        "status_history": _scrub(session=session, column=status_history.c.reason, words={word},
                                 where=status_history.c.reason.ilike(pattern, escape="\\")),
    })


def erase(*, session: Session, selector: str, value: str, actor: str, now: datetime | None = None) -> Erasure:
    """Erase the data of the person `selector`/`value` names (an e-mail, an inquiry reference or a
    conversation id) and write the audit row, in the caller's transaction."""
    result = Erasure()
    also = [value.strip()] if selector == "email" else []
    conversations = find_conversations(session=session, selector=selector, value=value)
    for conversation_id in conversations:
        counts, reference = erase_conversation(session=session, conversation_id=conversation_id, also=also, now=now)
        result.add(counts, reference)
    if selector == "email":
        result.add(scrub_everywhere(session=session, word=value.strip()))
    result.counts["conversations"] = len(conversations)
    record_erasure(session=session, kind="erase", selector=selector, result=result, actor=actor, now=now)
    return result


def record_erasure(*, session: Session, kind: str, selector: str, result: Erasure, actor: str,
                   now: datetime | None = None) -> None:
    """The audit row of an erase or purge: counts and references only, never personal data."""
    session.execute(erasures.insert().values(
        created_at=as_utc(now), kind=kind, selector=selector, inquiry_references=sorted(result.references),
        counts={table: n for table, n in sorted(result.counts.items()) if n}, actor=actor[:100],
    ))


# -- helpers ------------------------------------------------------------------------------------
def _contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (e-mail addresses
    often contain `_`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contact_slot_values(*, session: Session, conversation_id: str) -> set[str]:
    """The contact name and e-mail the partner gave in this conversation, from its slot events
    (sealed ones opened with the conversation's key while it still exists)."""
    rows = session.scalars(select(events.c.data).where(
        events.c.sender_id == conversation_id, events.c.type_name == "slot",
        or_(*(events.c.data.like(f'%"{name}"%') for name in CONTACT_SLOTS))))
    stored = []
    for data in rows:
        try:
            stored.append(json.loads(data or "{}"))
        except ValueError:
            continue
    values = set()
    for event in open_all(stored, key_of(session, conversation_id=conversation_id)):
        if event.get("name") in CONTACT_SLOTS and isinstance(event.get("value"), str) and event["value"].strip():
            values.add(event["value"].strip())
    return values


def _erase_partner_emails(*, session: Session, inquiry_id: int) -> Counter[str]:
    """The inquiry's e-mails to the partner: the address replaced by the marker, pending ones
    cancelled (they would go to nobody)."""
    counts: Counter[str] = Counter()
    rows = session.execute(select(deliveries.c.id, deliveries.c.status, deliveries.c.target).where(
        deliveries.c.inquiry_id == inquiry_id, deliveries.c.channel == "partner_email")).all()
    for row in rows:
        values: dict[str, Any] = {}
        if row.target != {"to": [MARK]}:
            values["target"] = {"to": [MARK]}
        if row.status == PENDING:
            values.update(status="cancelled", claimed_by=None, claimed_until=None)
            counts["deliveries_cancelled"] += 1
        if values:
            session.execute(update(deliveries).where(deliveries.c.id == row.id).values(**values))
            counts["deliveries"] += 1
    return counts


def _scrub(*, session: Session, column: Any, words: set[str], where: Any) -> int:
    """Replace each of `words` (any case) in `column` of the rows `where` selects; rows changed."""
    pattern = _words_pattern(words)
    if pattern is None:
        return 0
    table = column.table
    changed = 0
    for key, text in session.execute(select(table.c.id, column).where(where)).all():
        if text and (scrubbed := pattern.sub(MARK, text)) != text:
            session.execute(update(table).where(table.c.id == key).values({column.key: scrubbed}))
            changed += 1
    return changed


def _words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so that "Ana Lima" goes before "Ana" would cut it in two.
    ordered: Sequence[str] = sorted({w.strip() for w in words if w and w.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    # Whole words only: a name "Al" must not cut "Also".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)", re.IGNORECASE)
