"""What the console's HTML shows for the codes it stores: partnership types, tiers, statuses,
affiliates, countries, languages and times, each by a name in the viewer's locale; and the
other way, the code a name typed into a filter means. The CSV export and the JSON API keep
the codes.

Every label text lives here in English, marked for the console's message catalogues and shown
in the viewer's language (integrations/console/i18n.py); countries, languages, dates and numbers
come from Babel's CLDR data in any locale. The core's own wording and refusals
(bot/i18n/wording.py) are said in the viewer's language here too.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_interval, get_timezone
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from bot.i18n.catalog import load_catalog
from bot.i18n.wording import Refusal, Wording
from bot.routing.directory import Directory
from bot.store.names import normalize_org_name
from bot.vocab.subdivisions import subdivisions
from integrations.console.i18n import N_, translate

DEFAULT_LOCALE = "en"

#: The texts of the codes (English; shown translated).
TEXTS: dict[str, dict[str, str]] = {
    "partnership_type": {
        "content_donation": N_("Content donation"), "data_donation": N_("Data donation"),
        "education": N_("Education"), "event": N_("Event"), "technology": N_("Technology"),
        "research": N_("Research"), "funding": N_("Funding"), "media": N_("Media"), "other": N_("Other"),
    },
    "tier": {"qualified": N_("Qualified"), "needs_review": N_("Needs review"), "not_eligible": N_("Not eligible")},
    "status": {
        "routed": N_("Routed"), "accepted": N_("Accepted"), "declined": N_("Declined"), "deflected": N_("Deflected"),
        "closed": N_("Closed"), "needs_review": N_("Needs review"),
    },
    "partnership_status": {"active": N_("Active"), "completed": N_("Completed"), "stopped": N_("Stopped")},
    "outcome": {"inquiry": N_("Became an inquiry"), "abandoned": N_("Abandoned"), "deflected": N_("Deflected")},
    # The console's own names, shorter than the assistant's button titles ("I'm not sure").
    "organization_type": {
        "museum": N_("Museum"), "library": N_("Library"), "archive": N_("Archive"), "gallery": N_("Gallery"),
        "university": N_("University or college"), "school": N_("School"),
        "research_institute": N_("Research institute"), "government": N_("Government body"),
        "nonprofit": N_("Non-profit or NGO"), "company": N_("Company"), "media": N_("Media organisation"),
        "individual": N_("Individual"), "other": N_("Other"),
    },
    "licence": {
        "public_domain": N_("Public domain"), "cc0": "CC0", "cc_by": "CC BY", "cc_by_sa": "CC BY-SA",
        "restricted": N_("Restricted (non-commercial, no derivatives or all rights reserved)"),
        "unsure": N_("The partner is not sure"),
    },
    # Deliveries (bot/store/outbox.py): their channel, event and status.
    "channel": {"webhook": N_("Webhook"), "email": N_("E-mail"), "partner_email": N_("E-mail to the partner")},
    "delivery_event": {"inquiry.routed": N_("Inquiry routed"), "inquiry.accepted": N_("Inquiry accepted"),
                       "conversation.handoff_requested": N_("Hand-off requested")},
    "delivery_status": {"pending": N_("Pending"), "delivered": N_("Delivered"), "dead": N_("Given up"),
                        "cancelled": N_("Cancelled")},
}
#: The form's questions (requested slots) the assistant's catalogue has no label for.
QUESTIONS = {"field": N_("Which answer to change")}


def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def text(kind: str, code: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """The label of a partnership type, tier or status (`kind`); the code itself when it has none."""
    if not code:
        return "—"
    english = TEXTS[kind].get(code)
    return translate(locale.split("-")[0], english) if english else code


def wording(value: object, locale: str = DEFAULT_LOCALE) -> object:
    """A text of the core marked as its own (bot.i18n.wording.Wording) in `locale`; any other
    value (a partner's words, a slot's value) as it is."""
    return translate(locale.split("-")[0], value) if isinstance(value, Wording) else value


def refusal(error: Refusal, locale: str = DEFAULT_LOCALE) -> str:
    """A refusal of the core as a sentence in `locale`: translated, numbers written as `locale`
    writes them, a capital and a full stop ("the reply is empty" -> "La réponse est vide.")."""
    said = error.said(lambda text: translate(locale.split("-")[0], text), lambda value: number(value, locale))
    said = said[:1].upper() + said[1:]
    return said if said.endswith((".", "!", "?", "؟")) else said + "."


def question(slot: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """The name of one of the form's questions (a slot it asks) in `locale`: the assistant's own
    label for it (bot/responses), else the console's; an unknown slot as it is."""
    if not slot:
        return "—"
    if slot in QUESTIONS:
        return translate(locale.split("-")[0], QUESTIONS[slot])
    return load_catalog(locale.split("-")[0]).label(slot)


def number(value: float | int | None, locale: str = DEFAULT_LOCALE) -> str:
    """A number as the viewer's locale writes it ("12,345.5", "12 345,5", "١٢٬٣٤٥٫٥")."""
    if value is None:
        return "—"
    return format_decimal(value, locale=_locale(locale))


def tenths(value: float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A number with one decimal, as the viewer's locale writes it ("80.0", "80,0")."""
    if value is None:
        return "—"
    return format_decimal(value, "#,##0.0", locale=_locale(locale))


def country(code: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """A country's name ("FR" -> "France"); an unknown code stays as it is."""
    if not code:
        return "—"
    return str(_locale(locale).territories.get(code.upper()) or code)


def language(code: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """A language's name ("es" -> "Spanish"); an unknown code stays as it is."""
    if not code:
        return "—"
    return str(_locale(locale).languages.get(code.lower()) or code)


def affiliate(directory: Directory, affiliate_id: str | None) -> str:
    """An affiliate's name from the directory; an id it does not know stays as it is."""
    if not affiliate_id:
        return "—"
    return directory.get(affiliate_id).name if affiliate_id in directory else affiliate_id


def when(value: datetime | str | float | None, locale: str = DEFAULT_LOCALE, zone: str = "UTC") -> Markup:
    """A `<time>` element: the date and minute in the viewer's locale and time zone, its UTC value
    in `datetime` and on hover (`title`); console.js rewrites it to the browser's time zone.
    `value` may be ISO 8601 text too (the JSON API shape of an inquiry) or a Unix time (Rasa's events)."""
    if value is None:
        return Markup("—")
    utc = _utc(value)
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = format_datetime(utc, "short", tzinfo=get_timezone(zone), locale=_locale(locale))
    return Markup('<time datetime="{0}" title="{1}">{2}</time>').format(
        iso, utc.strftime("%Y-%m-%d %H:%M UTC"), escape(shown))


def day(value: datetime | str | None, locale: str = DEFAULT_LOCALE) -> Markup:
    """A day in the viewer's locale ("6 Dec 2026", "6 déc. 2026") as a `<time>` with its ISO date
    on hover: for pages that list dates, not moments (an organisation's history)."""
    if not value:
        return Markup("—")
    utc = _utc(value).date()
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(
        utc.isoformat(), escape(format_date(utc, "medium", locale=_locale(locale))))


def region(code: str | None) -> str:
    """A subdivision ("US-OH") by its usual name ("Ohio", the first of bot/vocab's table, which
    holds the countries where routing reads a region); a code the table does not have stays."""
    if not code:
        return ""
    names = subdivisions().get(code.partition("-")[0].upper(), {}).get(code.upper())
    return names[0] if names else code


def week(label: str, locale: str = DEFAULT_LOCALE) -> str:
    """An ISO week as the dashboard stores it ("2026-W49") said as the days it spans in the
    viewer's locale ("Nov 30 – Dec 6", "30 nov. – 6 déc."); a label it cannot read stays."""
    year, _, number = label.partition("-W")
    try:
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return label
    return format_interval(monday, monday + timedelta(days=6), "MMMd", locale=_locale(locale))


def _utc(value: datetime | str | float) -> datetime:
    """`value` as an aware UTC datetime: ISO 8601 text (the JSON API's shape), a Unix time (Rasa's
    events) or a datetime (naive ones are UTC, as the store writes them)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif not isinstance(value, datetime):
        value = datetime.fromtimestamp(float(value), tz=timezone.utc)
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


class UnknownName(ValueError):
    """A filter value that is neither a code nor a name the console knows."""


def country_code(typed: str, locale: str = DEFAULT_LOCALE) -> str:
    """The ISO code of a country typed as a code ("fr") or a name in the viewer's locale or in
    English ("France", "frankreich"), case and accents aside; UnknownName otherwise."""
    return _code(typed, _names("territories", locale), upper=True)


def language_code(typed: str, locale: str = DEFAULT_LOCALE) -> str:
    """The ISO 639-1 code of a language typed as a code ("ES") or a name ("Spanish", "español")."""
    return _code(typed, _names("languages", locale), upper=False)


def affiliate_id(directory: Directory, typed: str) -> str:
    """The id of an affiliate typed as its id ("wm-ar") or its name ("wikimedia argentina")."""
    value = typed.strip()
    if value in directory:
        return value
    folded = normalize_org_name(value)
    for known in directory:
        if normalize_org_name(known.name) == folded or known.id.lower() == value.lower():
            return known.id
    raise UnknownName(value)


def _code(typed: str, names: dict[str, str], *, upper: bool) -> str:
    value = typed.strip()
    code = value.upper() if upper else value.lower()
    if code in names.values():
        return code
    found = names.get(normalize_org_name(value))
    if found is None:
        raise UnknownName(value)
    return found


@cache
def _names(kind: str, locale: str) -> dict[str, str]:
    """Folded name -> code of the two-letter territories ("territories") or languages, named in
    English and in the viewer's locale."""
    out: dict[str, str] = {}
    for where in (DEFAULT_LOCALE, locale):
        for code, name in getattr(_locale(where), kind).items():
            if len(code) == 2 and code.isalpha():
                key = code.upper() if kind == "territories" else code.lower()
                out.setdefault(normalize_org_name(name), key)
    return out
