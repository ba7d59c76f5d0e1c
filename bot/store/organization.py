"""Organisation records: found by the matcher (bot/organisations/matching.py), created on first
contact, merged and split by staff with history.

A new inquiry's organisation is looked up among candidates of the same country that share a word
of the name's matching key, or the website domain (never a scan of all organisations). A
confident match joins the record (the name becomes an alias); an uncertain one creates a new
record and an open proposal for staff; none creates a new record. Merged records point to the
record they were merged into (`merged_into`); lookups follow that pointer.

Personal data: of the contact e-mail only the domain is kept, only when it is not webmail, and
only when the partner consented to their contact being stored (`organisation_email`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.i18n.wording import Refusal
from bot.organisations.matching import Match, Record, Verdict, decide, matching_key, organisation_domain
from bot.store.clock import utcnow
from bot.store.names import normalize_org_name
from bot.store.tables import (
    inquiries,
    organization_aliases,
    organization_merges,
    organization_name_words,
    organization_proposals,
    organizations,
)

#: At most this many aliases are weighed for one new name (a common word reads no further).
MAX_CANDIDATES = 300
#: At most this many proposals are opened for one new record.
MAX_PROPOSALS = 3
_COLUMN_LIMIT = 300  # name columns' length


class ContactLike(Protocol):
    """What `organisation_email` needs of an inquiry (`bot.intake.model.Inquiry` fits)."""

    @property
    def contact_email(self) -> str | None: ...

    @property
    def consent(self) -> bool | None: ...


def organisation_email(inquiry: ContactLike) -> str | None:
    """The contact e-mail whose domain may identify the organisation: only with consent (without
    it nothing of the contact is kept, not even its domain)."""
    return inquiry.contact_email if inquiry.consent is True else None


@dataclass(frozen=True)
class Found:
    """The record a name matched (after merges), with the matcher's verdict."""

    id: int
    match: Match


def organization_id_for(
    *, session: Session, name: str | None, org_type: str | None, country: str | None, email: str | None = None
) -> int | None:
    """The id of the organisation this name (and e-mail domain) belongs to, created if new.

    Runs in the caller's transaction; a concurrent insert of the same organisation is absorbed
    (savepoint, then the other row is used). Fills in a type or domain that was unknown.
    """
    normalized = normalize_org_name(name)
    if not normalized or name is None:
        return None
    domain = organisation_domain(email)
    record = Record(name=name.strip(), country=country, type=org_type, domain=domain)
    joined, proposed = _weigh(session, record, normalized)
    if joined is None:
        try:
            with session.begin_nested():
                org_id = int(session.execute(insert(organizations).values(
                    name=record.name[:_COLUMN_LIMIT], normalized_name=normalized, type=org_type,
                    country=country, website_domain=domain, created_at=utcnow(),
                )).inserted_primary_key[0])
        except IntegrityError:  # another conversation of the same organisation won the race
            exact = _exact(session, normalized, country)
            if exact is None:
                raise
            joined = exact
        else:
            _add_alias(session, org_id, record.name, country)
            for other in proposed[:MAX_PROPOSALS]:
                _propose(session, org_id, other)
            return org_id
    _add_alias(session, joined, record.name, country)
    _fill_in(session, joined, org_type=org_type, domain=domain)
    return joined


def matching_organization(
    *, session: Session, name: str | None, country: str | None, org_type: str | None = None,
    email: str | None = None,
) -> int | None:
    """The record a name would join (after merges), without writing anything; None if none."""
    normalized = normalize_org_name(name)
    if not normalized or name is None:
        return None
    record = Record(name=name.strip(), country=country, type=org_type, domain=organisation_domain(email))
    return _weigh(session, record, normalized)[0]


def same_organisation_ids(*, session: Session, organization_id: int) -> list[int]:
    """Every record that is this organisation: its root after merges, the records merged into
    it, and the records that share its Wikidata item (and theirs)."""
    root = root_of(session, organization_id)
    roots = {root}
    wikidata = session.scalar(select(organizations.c.wikidata_id).where(organizations.c.id == root))
    if wikidata:
        roots |= set(session.scalars(select(organizations.c.id).where(
            organizations.c.wikidata_id == wikidata, organizations.c.merged_into.is_(None))))
    ids = set(roots)
    frontier = set(roots)
    while frontier:  # records merged into these, at any depth
        frontier = set(session.scalars(select(organizations.c.id).where(organizations.c.merged_into.in_(frontier))))
        frontier -= ids
        ids |= frontier
    return sorted(ids)


def root_of(session: Session, organization_id: int) -> int:
    """The record an organisation was merged into, followed to the end."""
    seen = {organization_id}
    current = organization_id
    while True:
        parent = session.scalar(select(organizations.c.merged_into).where(organizations.c.id == current))
        if parent is None or parent in seen:
            return current
        seen.add(parent)
        current = parent


def merge_organizations(*, session: Session, source_id: int, target_id: int, actor: str) -> int:
    """Merge `source_id` into `target_id`: its inquiries and aliases move, it points to the target,
    open proposals between the two are closed as merged; the id of the history row (for a split).
    A Refusal when the two cannot be merged (the same record, one gone or merged already).
    """
    if source_id == target_id:
        raise Refusal("an organisation cannot be merged into itself")
    live = set(session.scalars(select(organizations.c.id).where(
        organizations.c.id.in_([source_id, target_id]), organizations.c.merged_into.is_(None))))
    if live != {source_id, target_id}:
        raise Refusal("both organisations must exist and not be merged already")
    moved_inquiries = list(session.scalars(
        select(inquiries.c.id).where(inquiries.c.organization_id == source_id).order_by(inquiries.c.id)))
    moved_aliases = list(session.scalars(
        select(organization_aliases.c.id).where(organization_aliases.c.organization_id == source_id)))
    session.execute(update(inquiries).where(inquiries.c.id.in_(moved_inquiries)).values(organization_id=target_id))
    # An alias both records have stays with the source's row (the unique pair would clash).
    dup = set(session.scalars(select(organization_aliases.c.normalized_name)
                              .where(organization_aliases.c.organization_id == target_id)))
    moved_aliases = [a for a, n in session.execute(
        select(organization_aliases.c.id, organization_aliases.c.normalized_name)
        .where(organization_aliases.c.id.in_(moved_aliases))) if n not in dup]
    session.execute(update(organization_aliases).where(organization_aliases.c.id.in_(moved_aliases))
                    .values(organization_id=target_id))
    session.execute(update(organizations).where(organizations.c.id == source_id).values(merged_into=target_id))
    now = utcnow()
    session.execute(update(organization_proposals).where(
        _pair(source_id, target_id), organization_proposals.c.status == "open",
    ).values(status="merged", decided_at=now, decided_by=actor))
    return int(session.execute(insert(organization_merges).values(
        source_id=source_id, target_id=target_id, actor=actor, created_at=now,
        moved={"inquiries": moved_inquiries, "aliases": sorted(moved_aliases)},
    )).inserted_primary_key[0])


def split_organizations(*, session: Session, merge_id: int, actor: str) -> int:
    """Undo a merge from its history row: what it moved goes back (inquiries and aliases still on
    the target), the source is its own organisation again; the source's id (a Refusal when it
    cannot be undone)."""
    merge = session.execute(select(organization_merges).where(organization_merges.c.id == merge_id)).first()
    if merge is None or merge.split_at is not None:
        raise Refusal("no such merge, or it was split already")
    if root_of(session, merge.target_id) != merge.target_id:
        raise Refusal("the organisation it went into was merged since: split that merge first")
    moved: dict[str, Any] = dict(merge.moved or {})
    session.execute(update(inquiries).where(
        inquiries.c.id.in_(moved.get("inquiries", [])), inquiries.c.organization_id == merge.target_id,
    ).values(organization_id=merge.source_id))
    session.execute(update(organization_aliases).where(
        organization_aliases.c.id.in_(moved.get("aliases", [])),
        organization_aliases.c.organization_id == merge.target_id,
    ).values(organization_id=merge.source_id))
    session.execute(update(organizations).where(organizations.c.id == merge.source_id).values(merged_into=None))
    session.execute(update(organization_merges).where(organization_merges.c.id == merge_id)
                    .values(split_at=utcnow(), split_by=actor))
    return int(merge.source_id)


def reject_proposal(*, session: Session, proposal_id: int, actor: str) -> bool:
    """Staff say the two organisations of an open proposal are different; False if not open."""
    return bool(session.execute(update(organization_proposals).where(
        organization_proposals.c.id == proposal_id, organization_proposals.c.status == "open",
    ).values(status="rejected", decided_at=utcnow(), decided_by=actor)).rowcount)


def merge_proposal(*, session: Session, proposal_id: int, actor: str) -> int:
    """Staff accept an open proposal: the newer record is merged into the older; the merge's id
    (a Refusal when the proposal is not open or the records cannot be merged)."""
    row = session.execute(select(organization_proposals).where(
        organization_proposals.c.id == proposal_id, organization_proposals.c.status == "open")).first()
    if row is None:
        raise Refusal("no open proposal with this id")
    source, target = root_of(session, row.organization_id), root_of(session, row.other_id)
    return merge_organizations(session=session, source_id=max(source, target), target_id=min(source, target),
                               actor=actor)


def find_organization(
    *, session: Session, normalized: str, country: str | None
) -> tuple[int, str | None] | None:
    """(id, type) of the organisation with this normalised name and country, or None."""
    row = session.execute(
        select(organizations.c.id, organizations.c.type)
        .where(organizations.c.normalized_name == normalized)
        .where(func.coalesce(organizations.c.country, "") == (country or ""))
        .order_by(organizations.c.id)
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.type)


# -- matching against stored records -------------------------------------------------------


def _weigh(session: Session, record: Record, normalized: str) -> tuple[int | None, list[tuple[int, Match]]]:
    """(the record `record` joins or None, the records to propose, best first)."""
    exact = _exact(session, normalized, record.country)
    if exact is not None:  # the same name as typed before: the record it went to, as always
        return exact, []
    best: dict[int, Match] = {}
    for root, candidate in _candidates(session, record):
        match = decide(record, candidate)
        if match.verdict is not Verdict.NONE and (root not in best or _rank(match) > _rank(best[root])):
            best[root] = match
    ranked = sorted(best.items(), key=lambda item: (not _rank(item[1])[0], -item[1].score, item[0]))
    if ranked and ranked[0][1].verdict is Verdict.JOIN:
        return ranked[0][0], []
    return None, ranked


def _rank(match: Match) -> tuple[bool, float]:
    return match.verdict is Verdict.JOIN, match.score


def _exact(session: Session, normalized: str, country: str | None) -> int | None:
    found = find_organization(session=session, normalized=normalized, country=country)
    return None if found is None else root_of(session, found[0])


def _candidates(session: Session, record: Record) -> Iterable[tuple[int, Record]]:
    """(root id, a name of it as a Record) for each alias sharing a key word in the same country,
    and each record with the same website domain."""
    o, a, w = organizations, organization_aliases, organization_name_words
    key = matching_key(record.name)
    words = [t[:100] for t in set(key.tokens)]
    by_word = select(a.c.id).join(w, w.c.alias_id == a.c.id).where(
        w.c.country == (record.country or ""), w.c.word.in_(words)).limit(MAX_CANDIDATES)
    conditions = [a.c.id.in_(by_word.scalar_subquery())]
    if record.domain:
        conditions.append(o.c.website_domain == record.domain)
    rows = session.execute(
        select(o.c.id, o.c.country, o.c.type, o.c.website_domain, o.c.wikidata_id, o.c.merged_into, a.c.name)
        .select_from(a.join(o, a.c.organization_id == o.c.id))
        .where(or_(*conditions))
        .limit(MAX_CANDIDATES * 2)
    ).all()
    for row in rows:
        root = row.id if row.merged_into is None else root_of(session, row.id)
        yield root, Record(name=row.name, country=row.country, type=row.type, domain=row.website_domain,
                           wikidata_id=row.wikidata_id)


def _add_alias(session: Session, org_id: int, name: str, country: str | None) -> None:
    """Record `name` as a name of `org_id` (first and last seen now), or touch it."""
    normalized = normalize_org_name(name)[:_COLUMN_LIMIT]
    now = utcnow()
    touched = session.execute(update(organization_aliases).where(
        organization_aliases.c.organization_id == org_id, organization_aliases.c.normalized_name == normalized,
    ).values(last_seen_at=now)).rowcount
    if touched:
        return
    key = matching_key(name)
    try:
        with session.begin_nested():
            alias_id = session.execute(insert(organization_aliases).values(
                organization_id=org_id, name=name[:_COLUMN_LIMIT], normalized_name=normalized,
                match_key=key.text[:_COLUMN_LIMIT], first_seen_at=now, last_seen_at=now,
            )).inserted_primary_key[0]
            words = {t[:100] for t in key.tokens}
            if words:
                session.execute(insert(organization_name_words),
                                [{"alias_id": alias_id, "word": t, "country": country or ""} for t in words])
    except IntegrityError:  # the same alias added by a concurrent conversation: it is there
        pass


def _fill_in(session: Session, org_id: int, *, org_type: str | None, domain: str | None) -> None:
    if org_type is not None:
        session.execute(update(organizations).where(organizations.c.id == org_id, organizations.c.type.is_(None))
                        .values(type=org_type))
    if domain is not None:
        session.execute(update(organizations).where(
            organizations.c.id == org_id, organizations.c.website_domain.is_(None)).values(website_domain=domain))


def _propose(session: Session, org_id: int, other: tuple[int, Match]) -> None:
    other_id, match = other
    try:
        with session.begin_nested():
            session.execute(insert(organization_proposals).values(
                organization_id=org_id, other_id=other_id, score=round(match.score), reason=match.reason[:200],
                status="open", created_at=utcnow(),
            ))
    except IntegrityError:  # proposed already
        pass


def _pair(x: int, y: int) -> Any:
    p = organization_proposals
    return or_(and_(p.c.organization_id == x, p.c.other_id == y), and_(p.c.organization_id == y, p.c.other_id == x))
