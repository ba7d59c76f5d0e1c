"""What staff (and the conversation's affiliate) are told when a partner asks for a person: the
`conversation.handoff_requested` webhook body and the staff e-mail.

Pure: JSON and `email.message.EmailMessage`; nothing is sent here (the delivery worker sends
them, integrations/delivery/handoff_notices.py). Neither carries personal data: the partner's
name, e-mail and words stay in the console, which the links open for people allowed to see them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage

from bot.delivery.messages import _e, _language, _message, _set_body

#: The event name of a hand-off request in webhook bodies (DESIGN.md, "Webhooks").
HANDOFF_EVENT = "conversation.handoff_requested"
#: The links every notice carries: the hand-off inbox and the conversation's page.
LINK_KEYS = ("inbox", "conversation")
#: The two statuses a notice reports: someone was available when the partner asked, or nobody.
WAITING, MISSED = "waiting", "missed"


def handoff_delivery_id(handoff_id: int) -> str:
    """The delivery id of a hand-off's notice: the same on every attempt (webhook-id,
    Idempotency-Key, Message-ID), so that receivers recognise a retry."""
    return f"handoff-{int(handoff_id)}"


@dataclass(frozen=True)
class HandoffNotice:
    """One hand-off request as staff hear of it: ids, language, times and links only."""

    id: int
    conversation_id: str
    #: `waiting` or `missed`: whether someone was available when the partner asked (a hand-off
    #: claimed or ended since was waiting when it was asked for).
    status: str
    language: str
    affiliate_id: str | None
    requested_at: datetime
    inquiry_reference: str | None
    links: Mapping[str, str]

    @property
    def delivery_id(self) -> str:
        return handoff_delivery_id(self.id)

    @property
    def missed(self) -> bool:
        return self.status == MISSED


def handoff_body(notice: HandoffNotice) -> bytes:
    """The JSON body of a `conversation.handoff_requested` webhook: compact, sorted keys, UTF-8."""
    payload = {
        "event": HANDOFF_EVENT,
        "delivery_id": notice.delivery_id,
        "handoff": {
            "id": notice.id,
            "conversation_id": notice.conversation_id,
            "status": notice.status,
            "language": notice.language,
            "affiliate_id": notice.affiliate_id,
            "requested_at": _iso_utc(notice.requested_at),
            "inquiry_reference": notice.inquiry_reference,
        },
        "links": _links(notice.links),
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def handoff_email(notice: HandoffNotice, *, affiliate_name: str | None, sender: str, to: list[str]) -> EmailMessage:
    """The staff e-mail (plain text and HTML): a partner asked for a person, in which language,
    whether someone was available, and the two links. Its Message-ID is the delivery id's."""
    links = _links(notice.links)
    language = _language(notice.language) if notice.language else "an unknown language"
    intro = f"A partner asked to talk to a person, in {language}."
    if notice.missed:
        availability = ("Nobody was available when they asked: the assistant offered to take a message instead. "
                        "If they leave one, their inquiry is marked \"wants a person\"; please write to them soon.")
    else:
        availability = ("Someone was available when they asked: the partner is waiting in the chat. "
                        "Claim the conversation in the hand-off inbox to answer them.")
    rows = [("Requested at", _iso_utc(notice.requested_at).replace("T", " ").replace("Z", " UTC")),
            ("Someone available", "no" if notice.missed else "yes")]
    if notice.affiliate_id:
        rows.append(("Routed to", f"{affiliate_name or notice.affiliate_id} ({notice.affiliate_id})"))
    if notice.inquiry_reference:
        rows.append(("Inquiry", notice.inquiry_reference))
    actions = [("Hand-off inbox", links["inbox"]), ("Conversation", links["conversation"])]

    text = [intro, "", availability, ""]
    text += [f"{label}: {value}" for label, value in rows]
    text += [""] + [f"{label}: {url}" for label, url in actions]

    cells = "".join(f'<tr><th align="left">{_e(label)}</th><td>{_e(value)}</td></tr>' for label, value in rows)
    parts = [f"<p><strong>{_e(intro)}</strong></p>", f"<p>{_e(availability)}</p>", f"<table>{cells}</table>",
             "<p>" + " | ".join(f'<a href="{_e(url)}">{_e(label)}</a>' for label, url in actions) + "</p>"]

    about = f"[{notice.inquiry_reference}] " if notice.inquiry_reference else ""
    outcome = "nobody was available" if notice.missed else "waiting in the chat"
    subject = f"{about}A partner asked for a person ({language}): {outcome}"
    message = _message(subject=subject, sender=sender, to=to, delivery_id=notice.delivery_id)
    _set_body(message, "\n".join(text), "\n".join(parts))
    return message


def _links(links: Mapping[str, str]) -> dict[str, str]:
    missing = [key for key in LINK_KEYS if not links.get(key)]
    if missing:
        raise ValueError(f"links must have {', '.join(LINK_KEYS)}; missing {', '.join(missing)}")
    return {key: str(links[key]) for key in LINK_KEYS}


def _iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second (bot.store.clock.iso_utc's format; not imported:
    that would load SQLAlchemy into this pure module). A naive time is taken as UTC."""
    aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    return aware.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
