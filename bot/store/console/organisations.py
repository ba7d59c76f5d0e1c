"""Reads of organisations for the console and the JSON API (issue 17, item 4): the searchable
list, one organisation's record and partnership history, and staff's open proposals.

`scope` is None for staff, else an affiliate id. An affiliate sees the organisations that had an
inquiry routed to it, and their whole history across affiliates (who worked with them, when, with
what outcome), but of an inquiry it never held nothing personal: no contact, no description, no
notes, not even the reference (its page would not open). Of the inquiries it held it sees what
`bot.staff.affiliate_view` allows (no staff-only notes, no contact after its holding ended).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from bot.intake.model import Status
from bot.store.clock import iso_utc
from bot.store.console.inquiries import inquiry_detail
from bot.store.decisions import CURRENT_DECISION
from bot.store.names import search_words
from bot.store.organization import root_of, same_organisation_ids
from bot.store.partnerships import partnerships_of
from bot.store.queries import visible_to
from bot.store.tables import (
    inquiries,
    organization_aliases,
    organization_merges,
    organization_proposals,
    organizations,
    routing_decisions,
    status_history,
)

PAGE_SIZE = 50
#: The most inquiries one organisation page lists (newest first).
MAX_HISTORY = 200


def _when(value: datetime | None) -> str | None:
    """A timestamp as the API writes it, None staying None (iso_utc reads None as now)."""
    return None if value is None else iso_utc(value)


def _escaped(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _seen_by(scope: str | None) -> ColumnElement[bool]:
    """Organisations `scope` may see: all for staff; for an affiliate, those with an inquiry ever
    routed to it."""
    if scope is None:
        return organizations.c.id.isnot(None)
    return exists(select(inquiries.c.id).where(inquiries.c.organization_id == organizations.c.id, visible_to(scope)))


def search_organizations(
    *, session: Session, q: str | None = None, country: str | None = None, scope: str | None = None,
    limit: int = PAGE_SIZE, offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, one page of them by name): records not merged into another, whose name or
    an alias contains `q` folded like names are (case, accents, punctuation), in `country`."""
    o, a = organizations, organization_aliases
    inquiry_count = (select(func.count(inquiries.c.id)).where(inquiries.c.organization_id == o.c.id)
                     .scalar_subquery())
    last = select(func.max(inquiries.c.created_at)).where(inquiries.c.organization_id == o.c.id).scalar_subquery()
    stmt = select(o.c.id, o.c.name, o.c.type, o.c.country, o.c.website_domain, o.c.wikidata_id,
                  inquiry_count.label("inquiries"), last.label("last_inquiry_at")).where(
        o.c.merged_into.is_(None), _seen_by(scope))
    # Every word of `q` in the name or in one of the aliases (names.search_words).
    for word in search_words(q):
        pattern = _escaped(word)
        stmt = stmt.where(or_(o.c.normalized_name.like(pattern, escape="\\"), exists(select(a.c.id).where(
            a.c.organization_id == o.c.id, a.c.normalized_name.like(pattern, escape="\\")))))
    if country:
        stmt = stmt.where(o.c.country == country.upper())
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(o.c.normalized_name, o.c.id).limit(limit).offset(offset))
    return int(total), [_listed(row._mapping) for row in rows]


def _listed(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "type": row["type"], "country": row["country"],
        "website_domain": row["website_domain"], "wikidata_id": row["wikidata_id"],
        "inquiries": int(row["inquiries"] or 0), "last_inquiry_at": _when(row["last_inquiry_at"]),
    }


def organization_record(*, session: Session, organization_id: int, scope: str | None = None) -> dict[str, Any] | None:
    """The organisation (followed to the record it was merged into) with its aliases, merged
    records, merge history and every inquiry of it across affiliates, as `scope` may see them;
    None if there is no such organisation or the scope may not see it."""
    if session.scalar(select(organizations.c.id).where(organizations.c.id == organization_id)) is None:
        return None
    root = root_of(session, organization_id)
    ids = same_organisation_ids(session=session, organization_id=root)
    inquiry_ids = list(session.scalars(select(inquiries.c.id).where(inquiries.c.organization_id.in_(ids))
                                       .order_by(inquiries.c.created_at.desc(), inquiries.c.id.desc())
                                       .limit(MAX_HISTORY)))
    visible = set(session.scalars(select(inquiries.c.id).where(inquiries.c.id.in_(inquiry_ids), visible_to(scope))))
    if scope is not None and not visible:
        return None
    org = session.execute(select(organizations).where(organizations.c.id == root)).one()._mapping
    record: dict[str, Any] = {
        "id": root, "name": org["name"], "type": org["type"], "country": org["country"],
        "website_domain": org["website_domain"],
        "wikidata": None if not org["wikidata_id"] else {
            "id": org["wikidata_id"], "label": org["wikidata_label"], "official_website": org["official_website"],
            "commons_category": org["commons_category"],
        },
        "aliases": list(session.scalars(select(organization_aliases.c.name).where(
            organization_aliases.c.organization_id == root).order_by(organization_aliases.c.first_seen_at,
                                                                     organization_aliases.c.id))),
        "merged": [{"id": r.id, "name": r.name, "country": r.country} for r in session.execute(
            select(organizations.c.id, organizations.c.name, organizations.c.country)
            .where(organizations.c.id.in_(ids), organizations.c.id != root).order_by(organizations.c.id))],
        "merges": _merges(session, ids, staff=scope is None),
    }
    found = partnerships_of(session=session, inquiry_ids=inquiry_ids)
    record["inquiries"] = [_entry(session, inquiry_id, inquiry_id in visible, scope, found.get(inquiry_id))
                           for inquiry_id in inquiry_ids]
    record["partnerships"] = [{"reference": e["reference"], "partnership_type": e["partnership_type"], **e["partnership"]}
                              for e in record["inquiries"] if e["partnership"]]
    return record


def _merges(session: Session, ids: list[int], *, staff: bool) -> list[dict[str, Any]]:
    """The merges into and out of these records, newest first; who merged is staff's business."""
    m = organization_merges
    source = organizations.alias("source")
    rows = session.execute(
        select(m.c.id, m.c.source_id, m.c.target_id, m.c.actor, m.c.created_at, m.c.split_at, m.c.split_by,
               source.c.name.label("source_name"))
        .select_from(m.join(source, source.c.id == m.c.source_id))
        .where(or_(m.c.target_id.in_(ids), m.c.source_id.in_(ids))).order_by(m.c.id.desc()))
    return [{
        "id": r.id, "source_id": r.source_id, "source_name": r.source_name, "target_id": r.target_id,
        "created_at": iso_utc(r.created_at), "split_at": _when(r.split_at),
        **({"actor": r.actor, "split_by": r.split_by} if staff else {}),
    } for r in rows]


def _entry(session: Session, inquiry_id: int, visible: bool, scope: str | None,
           partnership: dict[str, Any] | None) -> dict[str, Any]:
    """One line of the history: for an inquiry the viewer may open, what its page shows of it
    (through `inquiry_detail`, which applies the affiliate's view); otherwise only who worked
    with the organisation, when, and how it ended."""
    row = session.execute(
        select(inquiries.c.reference, inquiries.c.created_at, inquiries.c.status, inquiries.c.partnership_type,
               inquiries.c.country, routing_decisions.c.affiliate_id, routing_decisions.c.rule)
        .select_from(inquiries.outerjoin(routing_decisions, CURRENT_DECISION)).where(inquiries.c.id == inquiry_id)
    ).one()
    accepted_at = session.scalar(select(func.min(status_history.c.created_at)).where(
        status_history.c.inquiry_id == inquiry_id, status_history.c.to_status == Status.ACCEPTED.value))
    entry: dict[str, Any] = {
        "reference": None, "created_at": iso_utc(row.created_at), "status": row.status,
        "partnership_type": row.partnership_type, "country": row.country,
        "routing": {"affiliate_id": row.affiliate_id, "rule": row.rule} if row.affiliate_id else None,
        "accepted_at": _when(accepted_at), "contact": None, "notes": [], "partnership": partnership,
    }
    if not visible:
        return entry
    detail = inquiry_detail(session=session, reference=row.reference, scope=scope)
    if detail is None:  # cannot happen for a visible inquiry; keep the minimal line if it does
        return entry
    routing = detail.get("routing")
    contact = detail.get("contact") or {}
    entry.update({
        "reference": detail["reference"], "status": detail["status"],
        "routing": {"affiliate_id": routing["affiliate_id"], "rule": routing["rule"]} if routing else None,
        "contact": contact if detail.get("consent") and (contact.get("name") or contact.get("email")) else None,
        "notes": [{"author": n["author"], "body": n["body"], "created_at": _when(n["created_at"]),
                   "visibility": n["visibility"]} for n in detail.get("notes") or []],
    })
    return entry


def open_proposals(*, session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """Pairs of organisations the matcher was unsure about, for staff to merge or reject (oldest
    first); a pair whose records were merged since shows the records they went into."""
    p = organization_proposals
    one, other = organizations.alias("one"), organizations.alias("other")
    rows = session.execute(
        select(p.c.id, p.c.score, p.c.reason, p.c.created_at, one.c.id.label("one_id"), one.c.name.label("one_name"),
               one.c.country.label("one_country"), other.c.id.label("other_id"), other.c.name.label("other_name"),
               other.c.country.label("other_country"))
        .select_from(p.join(one, one.c.id == p.c.organization_id).join(other, other.c.id == p.c.other_id))
        .where(p.c.status == "open").order_by(p.c.created_at, p.c.id).limit(limit))
    return [dict(r._mapping) | {"created_at": iso_utc(r.created_at)} for r in rows]


def worked_with(*, session: Session, organization_id: int | None, before_inquiry_id: int | None = None
                ) -> list[dict[str, Any]]:
    """Which affiliates this organisation worked with, and in which years: its earlier inquiries
    (other than `before_inquiry_id`) that were accepted, by the affiliate that accepted them.
    [{"affiliate_id", "years": [2024, ...]}], most recent first; [] for none."""
    if organization_id is None:
        return []
    ids = same_organisation_ids(session=session, organization_id=organization_id)
    stmt = (
        select(routing_decisions.c.affiliate_id, func.min(status_history.c.created_at).label("accepted_at"))
        .select_from(inquiries.join(routing_decisions, CURRENT_DECISION)
                     .join(status_history, status_history.c.inquiry_id == inquiries.c.id))
        .where(inquiries.c.organization_id.in_(ids), status_history.c.to_status == Status.ACCEPTED.value,
               inquiries.c.status.in_([Status.ACCEPTED.value, Status.CLOSED.value]))
        .group_by(inquiries.c.id, routing_decisions.c.affiliate_id)
    )
    if before_inquiry_id is not None:
        stmt = stmt.where(inquiries.c.id != before_inquiry_id)
    years: dict[str, set[int]] = {}
    for row in session.execute(stmt):
        years.setdefault(row.affiliate_id, set()).add(row.accepted_at.year)
    return sorted(({"affiliate_id": a, "years": sorted(y)} for a, y in years.items()),
                  key=lambda w: (-max(w["years"]), w["affiliate_id"]))


def earlier_partnerships(*, session: Session, reference: str) -> list[dict[str, Any]]:
    """`worked_with` for the organisation of the inquiry with this reference, that inquiry left
    out: what its delivery tells the affiliate ("worked with Wikimedia France in 2024")."""
    row = session.execute(select(inquiries.c.id, inquiries.c.organization_id)
                          .where(inquiries.c.reference == reference)).first()
    if row is None:
        return []
    return worked_with(session=session, organization_id=row.organization_id, before_inquiry_id=row.id)
