"""Partnership outcomes (issue 17, item 5): what an accepted inquiry became, kept up to date by
the affiliate that accepted it (and by staff).

An inquiry can have a partnership once it was accepted (it is `accepted`, or `closed` after being
accepted); its owner is the affiliate of the routing decision that was current when it was
accepted. Every field but `updated_by` is public (the export publishes them).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.i18n.wording import Refusal, Wording
from bot.intake.model import Status
from bot.store.clock import iso_utc, utcnow
from bot.store.decisions import CURRENT_DECISION
from bot.store.tables import inquiries, partnerships, routing_decisions, status_history

#: The longest public summary (a few sentences: what a reader of the movement's list needs).
SUMMARY_LIMIT = 500
#: The largest count any outcome takes (a typo guard, far above any real donation).
MAX_COUNT = 100_000_000
#: The years a partnership's dates may fall in (a typo guard).
FIRST_YEAR, LAST_YEAR = 1990, 2100
#: How a refusal names each field (the console translates them with the sentence).
FIELD_NAMES = {
    "started_on": Wording("start date"), "ended_on": Wording("end date"), "files_uploaded": Wording("files uploaded"),
    "commons_category": Wording("Commons category"), "wikidata_items_created": Wording("Wikidata items created"),
    "events_held": Wording("events held"), "participants": Wording("participants"),
    "public_summary": Wording("public summary"),
}


class PartnershipStatus(str, Enum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Outcome:
    """A partnership as its affiliate records it (checked by `Outcome.parse`)."""

    status: PartnershipStatus
    started_on: date | None = None
    ended_on: date | None = None
    files_uploaded: int | None = None
    commons_category: str | None = None
    wikidata_items_created: int | None = None
    events_held: int | None = None
    participants: int | None = None
    public_summary: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Outcome:
        """An outcome from form or JSON values (strings or typed); a Refusal says what is wrong."""
        try:
            status = PartnershipStatus(str(raw.get("status") or ""))
        except ValueError:
            raise Refusal("status must be one of: %(choices)s",
                          choices=", ".join(s.value for s in PartnershipStatus)) from None
        started, ended = _date(raw, "started_on"), _date(raw, "ended_on")
        if started and ended and ended < started:
            raise Refusal("the end date is before the start date")
        if ended and status is PartnershipStatus.ACTIVE:
            raise Refusal("an active partnership has no end date yet")
        category = _text(raw, "commons_category", 300)
        if category and category.lower().startswith("category:"):  # the page name, as Commons shows it
            category = category.split(":", 1)[1].strip() or None
        return cls(
            status=status, started_on=started, ended_on=ended,
            files_uploaded=_count(raw, "files_uploaded"), commons_category=category,
            wikidata_items_created=_count(raw, "wikidata_items_created"), events_held=_count(raw, "events_held"),
            participants=_count(raw, "participants"), public_summary=_text(raw, "public_summary", SUMMARY_LIMIT),
        )

    def values(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["status"] = self.status.value
        return out


#: The fields of an outcome, as forms and JSON name them.
OUTCOME_FIELDS = tuple(f.name for f in fields(Outcome))


def owner_of(*, session: Session, inquiry_id: int) -> str | None:
    """The affiliate that accepted this inquiry and holds it since (None: not accepted, or
    re-assigned since): the one that may record its partnership, beside staff."""
    row = session.execute(
        select(inquiries.c.status, routing_decisions.c.affiliate_id)
        .select_from(inquiries.join(routing_decisions, CURRENT_DECISION))
        .where(inquiries.c.id == inquiry_id)
    ).first()
    if row is None or row.status not in (Status.ACCEPTED.value, Status.CLOSED.value):
        return None
    accepted = session.scalar(select(status_history.c.id).where(
        status_history.c.inquiry_id == inquiry_id, status_history.c.to_status == Status.ACCEPTED.value).limit(1))
    return None if accepted is None else str(row.affiliate_id)


def save_partnership(*, session: Session, inquiry_id: int, outcome: Outcome, actor: str) -> None:
    """Create or update the inquiry's partnership. The caller has checked that the actor may
    (staff, or the affiliate `owner_of` names); a Refusal if the inquiry was never accepted."""
    owner = owner_of(session=session, inquiry_id=inquiry_id)
    if owner is None:
        raise Refusal("only an accepted inquiry becomes a partnership")
    now = utcnow()
    values = {**outcome.values(), "updated_at": now, "updated_by": actor[:320]}
    changed = session.execute(update(partnerships).where(partnerships.c.inquiry_id == inquiry_id)
                              .values(**values)).rowcount
    if not changed:
        session.execute(insert(partnerships).values(inquiry_id=inquiry_id, affiliate_id=owner, created_at=now,
                                                    **values))


def partnerships_of(*, session: Session, inquiry_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The partnership of each of these inquiries that has one, in the JSON API's shape."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(inquiry_ids), 500):
        chunk = list(inquiry_ids[start:start + 500])
        for row in session.execute(select(partnerships).where(partnerships.c.inquiry_id.in_(chunk))):
            out[row.inquiry_id] = partnership_json(row._mapping)
    return out


def partnership_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A partnership row as the API and the export show it (never who last edited it)."""
    return {
        "affiliate_id": row["affiliate_id"],
        "status": row["status"],
        "started_on": _iso(row["started_on"]),
        "ended_on": _iso(row["ended_on"]),
        "outcomes": {
            "files_uploaded": row["files_uploaded"],
            "commons_category": row["commons_category"],
            "wikidata_items_created": row["wikidata_items_created"],
            "events_held": row["events_held"],
            "participants": row["participants"],
        },
        "public_summary": row["public_summary"],
        "updated_at": iso_utc(row["updated_at"]),
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(raw: Mapping[str, Any], name: str) -> date | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        raise Refusal("%(field)s must be a date like 2026-11-24", field=FIELD_NAMES[name]) from None
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        # Years as text: a year is not written with a thousands separator.
        raise Refusal("%(field)s must be between %(first)s and %(last)s", field=FIELD_NAMES[name],
                      first=str(FIRST_YEAR), last=str(LAST_YEAR))
    return parsed


def _count(raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise Refusal("%(field)s must be a whole number", field=FIELD_NAMES[name])
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise Refusal("%(field)s must be a whole number", field=FIELD_NAMES[name]) from None
    if not 0 <= number <= MAX_COUNT:
        raise Refusal("%(field)s must be between %(first)s and %(last)s", field=FIELD_NAMES[name],
                      first=0, last=MAX_COUNT)
    return number


def _text(raw: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refusal("%(field)s must be text", field=FIELD_NAMES[name])
    text = " ".join(value.split())
    if len(text) > limit:
        raise Refusal("%(field)s is longer than %(limit)s characters", field=FIELD_NAMES[name], limit=limit)
    return text or None
