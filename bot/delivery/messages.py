"""What is delivered: the webhook body and the e-mails to affiliates and partners.

Pure: JSON and `email.message.EmailMessage`; nothing is sent here. Every value that came from
the partner is HTML-escaped in HTML parts and flattened to one line in headers. `inquiry` is the
JSON API shape of DESIGN.md (`bot.store.get_inquiry`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from bot.i18n.catalog import country_name, language_name, load_catalog

#: The event name of a routed inquiry in webhook bodies.
ROUTED_EVENT = "inquiry.routed"
LINK_KEYS = ("view", "accept", "decline")

Rows = list[tuple[str, str]]


#: Heading of the partner's first message in the e-mail to an affiliate.
OPENING_HEADING = "The partner's first message"
#: What an affiliate is told first about an inquiry whose partner asked for a person in vain.
WANTS_PERSON_NOTICE = "The partner asked to talk to a person: nobody was available, please write to them soon."
#: Heading of the conversation's messages in the e-mail (only for such inquiries).
TRANSCRIPT_HEADING = "The conversation"
#: Who said a transcript line, as the e-mail names them.
SPEAKERS = {"partner": "Partner", "bot": "Assistant", "person": "Person"}

def webhook_body(*, delivery_id: str, inquiry: dict[str, Any], links: Mapping[str, str]) -> bytes:
    """The JSON body of an `inquiry.routed` webhook: compact, sorted keys, UTF-8. For a partner
    who asked for a person in vain (`wants_person`), `notice` and `transcript` ([{at, from,
    text}], from `inquiry["transcript"]`) beside the inquiry."""
    # The inquiry in the JSON API's shape (DESIGN.md); the partner's first message beside it,
    # and for a partner who asked for a person in vain, the notice and the conversation.
    shaped = {key: value for key, value in inquiry.items() if key not in ("opening", "transcript", "worked_with")}
    payload: dict[str, Any] = {
        "event": ROUTED_EVENT,
        "delivery_id": delivery_id,
        "inquiry": shaped,
        "links": _links(links),
    }
    if inquiry.get("opening"):
        payload["opening"] = inquiry["opening"]
    if inquiry.get("worked_with"):  # optional: [{affiliate_id, name, years}] of earlier partnerships
        payload["worked_with"] = [{"affiliate_id": w["affiliate_id"], "name": w.get("name") or w["affiliate_id"],
                                   "years": list(w["years"])} for w in inquiry["worked_with"]]
    if inquiry.get("wants_person"):
        payload["notice"] = WANTS_PERSON_NOTICE
        payload["transcript"] = [
            {"at": str(line.get("at") or ""), "from": str(line.get("from") or ""), "text": str(line.get("text") or "")}
            for line in inquiry.get("transcript") or []
        ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def routed_email(
    *,
    inquiry: dict[str, Any],
    affiliate_name: str,
    links: Mapping[str, str],
    sender: str,
    to: list[str],
    delivery_id: str,
    response_days: int | None = None,
) -> EmailMessage:
    """The e-mail telling an affiliate about an inquiry routed to it (plain text and HTML).

    When the partner asked for a person and nobody was available (`wants_person`), it says so
    first and in the subject, and shows the conversation (`inquiry["transcript"]`, lines
    `{at, from, text}`).

    Its Message-ID is derived from `delivery_id` (`message_id_for`).
    """
    links = _links(links)
    reference = str(inquiry.get("reference") or "")
    organisation = (inquiry.get("organization") or {}).get("name") or "an organisation"
    intro = f"A partnership inquiry from {organisation} has been routed to {affiliate_name}."
    reason = _routing_reason(inquiry)
    earlier = worked_with_sentence(inquiry.get("worked_with") or [])
    if earlier:
        intro = f"{intro} {earlier}"
    rows = _summary_rows(inquiry)
    description = str(inquiry.get("description") or "")
    deadline = (
        f"Please accept or decline within {response_days} days; otherwise it moves on to the next candidate."
        if response_days
        else "Please accept or decline it; otherwise it moves on to the next candidate."
    )
    actions = [("Accept", links["accept"]), ("Decline", links["decline"]), ("View", links["view"])]
    wants_person = bool(inquiry.get("wants_person"))
    transcript = list(inquiry.get("transcript") or []) if wants_person else []

    text = [WANTS_PERSON_NOTICE, "=" * len(WANTS_PERSON_NOTICE), ""] if wants_person else []
    text += [intro, ""]
    if reason:
        text += [f"Why {affiliate_name}: {reason}", ""]
    text += [f"{label}: {value}" for label, value in rows]
    heading = _description_heading(inquiry)
    text += ["", f"{heading}:", description or "(none)", ""]
    opening = str(inquiry.get("opening") or "")
    if opening and opening != description:  # what the partner said first, before any question
        text += [f"{OPENING_HEADING}:", opening, ""]
    if transcript:
        text += [f"{TRANSCRIPT_HEADING}:", *(_transcript_line(line) for line in transcript), ""]
    text += [f"{label}: {url}" for label, url in actions] + ["", deadline]

    parts = []
    if wants_person:
        parts.append(f'<p style="font-size: 1.2em; border: 2px solid #b32424; padding: 0.5em">'
                     f"<strong>{_e(WANTS_PERSON_NOTICE)}</strong></p>")
    parts.append(f"<p>{_e(intro)}</p>")
    if reason:
        parts.append(f"<p><strong>Why {_e(affiliate_name)}:</strong> {_e(reason)}</p>")
    parts.append(_html_table(rows))
    lang = str(inquiry.get("language") or "")
    attrs = f' lang="{_e(lang)}" dir="auto"' if lang else ' dir="auto"'
    parts.append(f'<h3>{_e(heading)}</h3><p style="white-space: pre-wrap"{attrs}>{_e(description or "(none)")}</p>')
    if opening and opening != description:
        parts.append(f'<h3>{_e(OPENING_HEADING)}</h3><p style="white-space: pre-wrap"{attrs}>{_e(opening)}</p>')
    if transcript:
        lines = "".join(
            f'<tr><td valign="top">{_e(_clock(line))}</td><th align="left" valign="top">{_e(_speaker(line))}</th>'
            f'<td style="white-space: pre-wrap"{attrs}>{_e(line.get("text") or "")}</td></tr>'
            for line in transcript
        )
        parts.append(f"<h3>{_e(TRANSCRIPT_HEADING)}</h3><table>{lines}</table>")
    parts.append("<p>" + " | ".join(f'<a href="{_e(url)}">{_e(label)}</a>' for label, url in actions) + "</p>")
    parts.append(f"<p>{_e(deadline)}</p>")

    subject = f"[{reference}] Partnership inquiry for {affiliate_name}: {organisation}"
    if wants_person:
        subject = f"[{reference}] Wants a person, please write soon: inquiry for {affiliate_name}: {organisation}"
    message = _message(subject=subject, sender=sender, to=to, delivery_id=delivery_id)
    _set_body(message, "\n".join(text), "\n".join(parts))
    return message


def accepted_email_to_partner(
    *, inquiry: dict[str, Any], affiliate_name: str, sender: str, delivery_id: str
) -> EmailMessage:
    """The e-mail telling the partner who owns their inquiry, quoting its reference; its
    Message-ID is derived from `delivery_id` (`message_id_for`).

    Raises ValueError when the partner gave no e-mail address or no consent to be contacted.
    """
    contact = inquiry.get("contact") or {}
    address = contact.get("email")
    if not address or not inquiry.get("consent"):
        raise ValueError("the partner gave no e-mail address or no consent to be contacted")
    reference = str(inquiry.get("reference") or "")
    name = contact.get("name")
    greeting = f"Dear {name}," if name else "Hello,"
    organisation = (inquiry.get("organization") or {}).get("name")
    about = f" on behalf of {organisation}" if organisation else ""
    paragraphs = [
        f"Thank you for your partnership inquiry{about}.",
        f"{affiliate_name} has accepted it and will contact you about the next steps.",
        f"Your reference is {reference}; please quote it in any correspondence.",
    ]
    text = "\n\n".join([greeting, *paragraphs, "Wikimedia partnerships"])
    body = "\n".join(f"<p>{_e(p)}</p>" for p in [greeting, *paragraphs, "Wikimedia partnerships"])
    subject = f"[{reference}] {affiliate_name} will follow up on your partnership inquiry"
    message = _message(subject=subject, sender=sender, to=[address], delivery_id=delivery_id)
    _set_body(message, text, body)
    return message


def worked_with_sentence(entries: list[dict[str, Any]]) -> str:
    """"This organisation worked with Wikimedia France in 2023 and 2024." for earlier accepted
    inquiries ([{affiliate_id, name, years}]); "" for none."""
    def years(values: list[int]) -> str:
        text = [str(y) for y in values]
        return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]

    parts = [f"{w.get('name') or w['affiliate_id']} in {years(w['years'])}" for w in entries if w.get("years")]
    if not parts:
        return ""
    return "This organisation worked with " + "; with ".join(parts) + "."


def _description_heading(inquiry: Mapping[str, Any]) -> str:
    """The description is the partner's own words, never translated: say in which language."""
    code = str(inquiry.get("language") or "")
    return f"Description (the partner's words, in {_language(code)})" if code and code != "en" else "Description"


def _speaker(line: Mapping[str, Any]) -> str:
    who = str(line.get("from") or "")
    return SPEAKERS.get(who, who.capitalize() or "?")


def _clock(line: Mapping[str, Any]) -> str:
    """The time of a transcript line (ISO 8601 UTC) as the e-mail shows it: 2024-11-24 03:45 UTC."""
    at = str(line.get("at") or "")
    return f"{at[:10]} {at[11:16]} UTC" if len(at) >= 16 else at


def _transcript_line(line: Mapping[str, Any]) -> str:
    text = str(line.get("text") or "").replace("\n", "\n    ")
    return f"[{_clock(line)}] {_speaker(line)}: {text}"


def _links(links: Mapping[str, str]) -> dict[str, str]:
    missing = [key for key in LINK_KEYS if not links.get(key)]
    if missing:
        raise ValueError(f"links must have {', '.join(LINK_KEYS)}; missing {', '.join(missing)}")
    return {key: str(links[key]) for key in LINK_KEYS}


def _routing_reason(inquiry: Mapping[str, Any]) -> str:
    reasons = (inquiry.get("routing") or {}).get("reasons") or []
    return str(reasons[0]) if reasons else ""


def _summary_rows(inquiry: Mapping[str, Any]) -> Rows:
    catalog = load_catalog("en")
    organisation = inquiry.get("organization") or {}
    org_type = organisation.get("type")
    rows: Rows = [("Reference", str(inquiry.get("reference") or ""))]
    rows.append(("Organisation", str(organisation.get("name") or "(not given)")))
    if org_type:
        rows.append(("Type of organisation", catalog.value_title("organization_type", org_type)))
    if inquiry.get("partnership_type"):
        rows.append(("Partnership", catalog.value_title("partnership_type", inquiry["partnership_type"])))
    rows.append(("Country", _place(inquiry)))
    if inquiry.get("licence"):
        rows.append(("Licence", catalog.value_title("licence", inquiry["licence"])))
    if inquiry.get("content_language"):
        rows.append(("Language of the material", _language(inquiry["content_language"])))
    if inquiry.get("language"):
        rows.append(("Partner's language", _language(inquiry["language"])))
    qualification = inquiry.get("qualification") or {}
    tier = str(qualification.get("tier") or "unknown").replace("_", " ")
    reasons = [str(r) for r in qualification.get("reasons") or []]
    rows.append(("Qualification", f"{tier}: {'; '.join(reasons)}" if reasons else tier))
    contact = inquiry.get("contact") or {}
    if contact.get("name"):
        rows.append(("Contact name", str(contact["name"])))
    if contact.get("email"):
        rows.append(("Contact e-mail", str(contact["email"])))
    return rows


def _place(inquiry: Mapping[str, Any]) -> str:
    country = inquiry.get("country")
    place = f"{country_name(country)} ({country})" if country else "International / online"
    return f"{place}, region {inquiry['region']}" if inquiry.get("region") else place


def _language(code: str) -> str:
    return f"{language_name(code)} ({code})"


def _html_table(rows: Rows) -> str:
    cells = "".join(
        f'<tr><th align="left" valign="top">{_e(label)}</th><td>{_e(value)}</td></tr>' for label, value in rows
    )
    return f"<table>{cells}</table>"


def message_id_for(delivery_id: str, sender: str) -> str:
    """The Message-ID of every e-mail the delivery worker sends for `delivery_id`: the same on
    each attempt, so a message resent after a worker died between sending it and recording it
    is recognisable as a duplicate by the receiving mail system (and by people: same thread)."""
    return f"<{_header(delivery_id).replace(' ', '')}@{_domain(sender)}>"


def _message(*, subject: str, sender: str, to: list[str], delivery_id: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = _header(subject)
    message["From"] = sender
    message["To"] = ", ".join(_header(address) for address in to)
    # Not bot.store.clock: importing bot.store would load SQLAlchemy into this pure module, and a
    # Date header is only ever written, never stored or compared.
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # Every e-mail delivered is one delivery: never a random Message-ID (make_msgid), which
    # would make a resend look like a new message.
    message["Message-ID"] = message_id_for(delivery_id, sender)
    message["X-Intake-Delivery-Id"] = _header(delivery_id)
    return message


def _set_body(message: EmailMessage, text: str, body_html: str) -> None:
    message.set_content(text + "\n")
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>\n{body_html}\n</body></html>\n'
    message.add_alternative(page, subtype="html")


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"


def _header(value: object, limit: int = 200) -> str:
    """One line, no control characters, at most `limit` characters (header injection)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
