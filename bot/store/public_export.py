"""The public part of the movement's partnership knowledge (issue 17, item 7), for
`intake export-partnerships`: what partnerships exist, where the knowledge gaps are, and whom to
ask in each country.

Nothing personal leaves through here: no contact, conversation, description, first message, note
or actor; of what partners typed only the organisation's name (an institution's, which is what is
published). The one free text is the affiliate's public summary, written for publication.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.intake.model import Status
from bot.routing.directory import Directory
from bot.store.decisions import CURRENT_DECISION
from bot.store.partnerships import partnership_json
from bot.store.tables import inquiries, organizations, partnerships, routing_decisions, status_history

#: The columns of partnerships.csv, one partnership (accepted inquiry) a row.
CSV_COLUMNS = ("organization", "organization_type", "country", "wikidata_id", "affiliate_id", "affiliate",
               "partnership_type", "status", "accepted_year", "started_on", "ended_on", "files_uploaded",
               "commons_category", "wikidata_items_created", "events_held", "participants", "public_summary")
#: Status of an accepted inquiry whose affiliate has not recorded its partnership yet.
NOT_RECORDED = "not_recorded"


def public_partnerships(*, session: Session, directory: Directory) -> list[dict[str, Any]]:
    """Every accepted inquiry as a published partnership, by organisation and year."""
    accepted_at = (select(status_history.c.inquiry_id, func.min(status_history.c.created_at).label("at"))
                   .where(status_history.c.to_status == Status.ACCEPTED.value)
                   .group_by(status_history.c.inquiry_id).subquery())
    rows = session.execute(
        select(inquiries.c.id, inquiries.c.partnership_type, inquiries.c.country, accepted_at.c.at,
               organizations.c.name, organizations.c.type, organizations.c.country.label("org_country"),
               organizations.c.wikidata_id, routing_decisions.c.affiliate_id)
        .select_from(inquiries.join(accepted_at, accepted_at.c.inquiry_id == inquiries.c.id)
                     .join(routing_decisions, CURRENT_DECISION)
                     .outerjoin(organizations, organizations.c.id == inquiries.c.organization_id))
        .where(inquiries.c.status.in_([Status.ACCEPTED.value, Status.CLOSED.value]))
        .order_by(accepted_at.c.at, inquiries.c.id)
    ).all()
    recorded = {r.inquiry_id: partnership_json(r._mapping) for r in session.execute(select(partnerships))}
    out = []
    for row in rows:
        partnership = recorded.get(row.id)
        affiliate = directory.get(row.affiliate_id).name if row.affiliate_id in directory else row.affiliate_id
        out.append({
            "organization": {"name": row.name, "type": row.type, "country": row.org_country or row.country,
                             "wikidata_id": row.wikidata_id},
            "affiliate": {"id": row.affiliate_id, "name": affiliate},
            "partnership_type": row.partnership_type,
            "accepted_year": row.at.year,
            "status": partnership["status"] if partnership else NOT_RECORDED,
            "started_on": partnership["started_on"] if partnership else None,
            "ended_on": partnership["ended_on"] if partnership else None,
            "outcomes": partnership["outcomes"] if partnership else None,
            "public_summary": partnership["public_summary"] if partnership else None,
        })
    return out


def csv_row(partnership: dict[str, Any]) -> dict[str, Any]:
    """A published partnership flattened to CSV_COLUMNS."""
    org, outcomes = partnership["organization"], partnership["outcomes"] or {}
    return {
        "organization": org["name"], "organization_type": org["type"], "country": org["country"],
        "wikidata_id": org["wikidata_id"], "affiliate_id": partnership["affiliate"]["id"],
        "affiliate": partnership["affiliate"]["name"], "partnership_type": partnership["partnership_type"],
        "status": partnership["status"], "accepted_year": partnership["accepted_year"],
        "started_on": partnership["started_on"], "ended_on": partnership["ended_on"],
        **{key: outcomes.get(key) for key in ("files_uploaded", "commons_category", "wikidata_items_created",
                                              "events_held", "participants")},
        "public_summary": partnership["public_summary"],
    }


def knowledge_gaps(*, session: Session, directory: Directory) -> dict[str, list[dict[str, Any]]]:
    """Countries and languages partners wrote from or in that no affiliate covers, with how many
    inquiries (deflected ones count: they asked, too). A language counts as covered when an
    affiliate lists it; the language is the material's, else the conversation's."""
    countries: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for country, content_language, language in session.execute(
            select(inquiries.c.country, inquiries.c.content_language, inquiries.c.language)):
        if country and not directory.by_country(country):
            countries[country] += 1
        spoken = content_language or language
        if spoken and not any(spoken in affiliate.languages for affiliate in directory):
            languages[spoken] += 1
    return {
        "countries": [{"country": c, "name": directory.country_name(c), "inquiries": n}
                      for c, n in sorted(countries.items(), key=lambda item: (-item[1], item[0]))],
        "languages": [{"language": lang, "inquiries": n}
                      for lang, n in sorted(languages.items(), key=lambda item: (-item[1], item[0]))],
    }


def who_to_ask(directory: Directory) -> list[dict[str, Any]]:
    """For every country an affiliate covers, the affiliates to ask there (from affiliates.csv)."""
    covered = sorted({country for affiliate in directory for country in affiliate.countries})
    return [{
        "country": country, "name": directory.country_name(country),
        "affiliates": [{"id": a.id, "name": a.name, "kind": a.kind.value, "website": a.website or None}
                       for a in directory.by_country(country)],
    } for country in covered]
