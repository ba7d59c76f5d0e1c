"""How the hand-off inbox shows things, shared by its pages and its live stream (so that a row or
a turn added without reloading reads exactly like one rendered with the page)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n.catalog import DEFAULT_LANGUAGE, country_name, language_name, load_catalog
from bot.intake.slots import (
    CONSENT,
    CONTACT_EMAIL,
    CONTACT_NAME,
    CONTENT_LANGUAGE,
    COUNTRY,
    LICENCE,
    ORGANIZATION_NAME,
    ORGANIZATION_TYPE,
    PARTNERSHIP_TYPE,
    PROJECT_DESCRIPTION,
    REGION,
)
from bot.staff.accounts import User
from bot.staff.transcript import Turn
from bot.store.clock import as_utc, iso_utc
from bot.store.handoffs import Answerer, HandoffStatus, claimed_by_them
from integrations.console import labels
from integrations.console.i18n import N_, translate, translate_plural

#: The turns the inbox shows in its transcript: what was said, and where a person took over or
#: handed back (the answers are listed apart; form and slot bookkeeping is left out).
SHOWN_TURNS = ("partner", "bot", "person", "handoff")
#: Who said a turn, as the transcript labels it (English; shown translated).
SPEAKERS = {"partner": N_("Partner"), "bot": N_("Assistant"), "person": N_("Person")}
#: A hand-off's status as the inbox says it (English; shown translated with `status_label`).
STATUS_LABELS = {
    HandoffStatus.WAITING.value: N_("waiting for a person"),
    HandoffStatus.WITH_PERSON.value: N_("with a person"),
    HandoffStatus.RELEASED.value: N_("handed back to the assistant"),
    HandoffStatus.CLOSED.value: N_("closed"),
    HandoffStatus.MISSED.value: N_("nobody was available"),
}


def status_label(status: str, locale: str = DEFAULT_LANGUAGE) -> str:
    """A hand-off's status in `locale`; an unknown one as it is."""
    return translate(locale, STATUS_LABELS[status]) if status in STATUS_LABELS else status


def answerer_of(user: User) -> Answerer:
    """The console user as the one answering: named by their e-mail address in the transcript."""
    return Answerer(name=user.email, user_id=user.id, affiliate_id=user.affiliate_scope)


def claimed_by(handoff: dict[str, Any]) -> str | None:
    """Who has the hand-off: a console user's e-mail address or an API token's name."""
    return handoff.get("claimed_by_email") or handoff.get("claimed_by_name") or None


def claimed_by_someone_else(handoff: dict[str, Any], who: Answerer) -> bool:
    """Whether another console user or an API client has already claimed the hand-off."""
    return handoff.get("status") == HandoffStatus.WITH_PERSON.value and not claimed_by_them(handoff, who)


def duration(seconds: float, locale: str = DEFAULT_LANGUAGE) -> str:
    """A wait as people say it in `locale`: "under a minute", "7 min", "1 h 05 min", "2 days"."""
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return translate(locale, N_("under a minute"))
    if minutes < 60:
        return translate(locale, N_("%(minutes)s min")) % {"minutes": minutes}
    if minutes < 48 * 60:
        return translate(locale, N_("%(hours)s h %(minutes)s min")) % {"hours": minutes // 60,
                                                                          "minutes": f"{minutes % 60:02d}"}
    days = minutes // (24 * 60)
    return translate_plural(locale, "%(num)s day", "%(num)s days", days) % {"num": days}


def waited(handoff: dict[str, Any], *, now: datetime, locale: str = DEFAULT_LANGUAGE) -> str:
    """How long the partner has waited for a person (until someone claimed it, if someone did)."""
    until = handoff.get("claimed_at") or handoff.get("ended_at") or now
    return duration((as_utc(until) - as_utc(handoff["requested_at"])).total_seconds(), locale)


def row_view(handoff: dict[str, Any], *, now: datetime, locale: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """A hand-off as a row of the inbox in the viewer's `locale` (JSON-ready: the live stream sends these)."""
    language = str(handoff.get("language") or "")
    return {
        "conversation_id": handoff["conversation_id"],
        "status": handoff["status"],
        "status_label": status_label(handoff["status"], locale),
        "language": language,
        "language_name": language_name(language, locale) if language else translate(locale, N_("unknown")),
        "requested_at": iso_utc(handoff["requested_at"]),
        "waited": waited(handoff, now=now, locale=locale),
        "claimed_by": claimed_by(handoff),
        "affiliate_id": handoff.get("affiliate_id"),
    }


def turn_view(turn: Turn, locale: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """A transcript turn as the inbox shows it in `locale` (the live stream's `turn` event)."""
    return {
        "id": turn.event_id,
        "from": turn.kind,
        "who": translate(locale, SPEAKERS[turn.kind]) if turn.kind in SPEAKERS else "",
        # A hand-over ("handed to a person") is the transcript's own words, said in `locale`.
        "text": str(labels.wording(turn.text, locale)),
        "buttons": list(turn.buttons),
        "at": iso_utc(turn.at),
        "time": turn.at.strftime("%H:%M:%S"),
    }


#: The partner's answers (DESIGN.md, "Slots"), in the form's order; the rest is bookkeeping.
ANSWER_SLOTS = (PARTNERSHIP_TYPE, ORGANIZATION_NAME, ORGANIZATION_TYPE, COUNTRY, REGION, CONTENT_LANGUAGE, LICENCE,
                PROJECT_DESCRIPTION, CONSENT, CONTACT_NAME, CONTACT_EMAIL)


def answers(turns: list[Turn], locale: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The answers given so far, labelled and with their values' titles in `locale` (the
    assistant's own catalogue, bot/i18n), in the form's order (contact details withheld as the
    transcript withholds them)."""
    catalog = load_catalog(locale)
    found: dict[str, Any] = {}
    for turn in turns:
        if turn.kind == "slot" and turn.slot in ANSWER_SLOTS:
            found[turn.slot] = turn.value
    shown: dict[str, Any] = {}
    for name in ANSWER_SLOTS:
        value = found.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            value = catalog.label("yes" if value else "no")
        elif name == COUNTRY:
            value = country_name(str(value), locale)
        elif name == CONTENT_LANGUAGE:
            value = language_name(str(value), locale)
        elif name in (PARTNERSHIP_TYPE, ORGANIZATION_TYPE, LICENCE):
            value = catalog.value_title(name, str(value))
        shown[catalog.label(name)] = value
    return shown
