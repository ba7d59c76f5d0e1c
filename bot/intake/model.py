"""The inquiry a partner makes, its enumerations and its qualification.

Pure: no Rasa, SQLAlchemy or aiohttp imports. Slot values from the conversation become an
`Inquiry`; `qualify()` decides the tier exactly as ROUTING.md says.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)


class PartnershipType(str, Enum):
    CONTENT_DONATION = "content_donation"
    DATA_DONATION = "data_donation"
    EDUCATION = "education"
    EVENT = "event"
    TECHNOLOGY = "technology"
    RESEARCH = "research"
    FUNDING = "funding"
    MEDIA = "media"
    OTHER = "other"


class OrganizationType(str, Enum):
    MUSEUM = "museum"
    LIBRARY = "library"
    ARCHIVE = "archive"
    GALLERY = "gallery"
    UNIVERSITY = "university"
    SCHOOL = "school"
    RESEARCH_INSTITUTE = "research_institute"
    GOVERNMENT = "government"
    NONPROFIT = "nonprofit"
    COMPANY = "company"
    MEDIA = "media"
    INDIVIDUAL = "individual"
    OTHER = "other"


class Licence(str, Enum):
    PUBLIC_DOMAIN = "public_domain"
    CC0 = "cc0"
    CC_BY = "cc_by"
    CC_BY_SA = "cc_by_sa"
    RESTRICTED = "restricted"
    UNSURE = "unsure"


class Tier(str, Enum):
    QUALIFIED = "qualified"
    NEEDS_REVIEW = "needs_review"
    NOT_ELIGIBLE = "not_eligible"


class Status(str, Enum):
    ROUTED = "routed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    DEFLECTED = "deflected"
    CLOSED = "closed"
    #: Stored but held for staff (no routing, no delivery): too many inquiries from one address.
    NEEDS_REVIEW = "needs_review"


#: Partnership types that donate material and therefore need a licence.
LICENSED_TYPES = frozenset({PartnershipType.CONTENT_DONATION, PartnershipType.DATA_DONATION})
#: Partnership types whose material or community has a language worth asking about.
LANGUAGE_TYPES = frozenset(
    {
        PartnershipType.CONTENT_DONATION,
        PartnershipType.DATA_DONATION,
        PartnershipType.EDUCATION,
        PartnershipType.EVENT,
    }
)
COMMONS_LICENCES = frozenset({Licence.PUBLIC_DOMAIN, Licence.CC0, Licence.CC_BY, Licence.CC_BY_SA})
WIKIDATA_LICENCES = frozenset({Licence.PUBLIC_DOMAIN, Licence.CC0})


@dataclass(frozen=True)
class Inquiry:
    """What the partner told us, normalised to the contract's enumerations."""

    conversation_id: str
    partnership_type: PartnershipType
    language: str = "en"
    organization_name: str | None = None
    organization_type: OrganizationType | None = None
    country: str | None = None
    region: str | None = None
    content_language: str | None = None
    licence: Licence | None = None
    description: str | None = None
    #: The partner's first message about the inquiry, in their words.
    opening: str | None = None
    contact_name: str | None = field(default=None, repr=False)
    contact_email: str | None = field(default=None, repr=False)
    consent: bool = False

    @classmethod
    def from_slots(cls, conversation_id: str, slots: Mapping[str, Any]) -> Inquiry:
        """Build from Rasa slot values; contact details are dropped without consent.

        Never raises: a value outside an enumeration (which the conversation never stores) is
        taken as not given, so that an inquiry is never lost to one bad slot.
        """
        consent = slots.get("consent") is True
        ptype = _member(PartnershipType, slots.get("partnership_type")) or PartnershipType.OTHER
        licence = _member(Licence, slots.get("licence")) if ptype in LICENSED_TYPES else None
        language = _text(slots.get("language")) or "en"
        return cls(
            conversation_id=conversation_id,
            partnership_type=ptype,
            language=language,
            organization_name=_text(slots.get("organization_name")),
            organization_type=_member(OrganizationType, slots.get("organization_type")),
            country=_text(slots.get("country")),
            region=_text(slots.get("region")),
            content_language=_text(slots.get("content_language")) or language,
            licence=licence,
            description=_text(slots.get("project_description")),
            opening=_text(slots.get("opening")),
            contact_name=slots.get("contact_name") if consent else None,
            contact_email=slots.get("contact_email") if consent else None,
            consent=consent,
        )

    def without_personal_data(self) -> Inquiry:
        return replace(self, contact_name=None, contact_email=None)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.value if isinstance(value, Enum) else value
        return out


def _member(enum: type[E], value: Any) -> E | None:
    try:
        return enum(value) if value is not None else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class Qualification:
    tier: Tier
    reasons: tuple[str, ...]


def missing_fields(inquiry: Inquiry) -> list[str]:
    """Required fields the partner has not given (licence only for donations)."""
    required = ["organization_name", "organization_type", "description"]
    missing = [name for name in required if not getattr(inquiry, name)]
    if inquiry.partnership_type in LICENSED_TYPES and inquiry.licence is None:
        missing.append("licence")
    if inquiry.consent and not inquiry.contact_email:
        missing.append("contact_email")
    return missing


#: The qualification's reasons as `qualify()` writes them (English, stored with the inquiry):
#: the one place of their wording. The console shows them in its viewer's language by these
#: shapes (integrations/console/recorded.py): change a sentence here and its translation there.
REASONS: dict[str, str] = {
    "restricted": (
        "{target} only accepts material that anyone may reuse, also commercially and with changes; a "
        "non-commercial, no-derivatives or all-rights-reserved licence does not allow that."
    ),
    "licence_unsure": "The partner is not sure which licence applies.",
    "attribution_data": "Wikidata takes CC0 data only; the data is offered under an attribution licence.",
    "missing": "Missing: {fields}.",
    "no_consent": "No consent to store contact details, so the affiliate cannot reply directly.",
    "complete": "Every required answer was given and consent to be contacted was granted.",
    "licence_accepted": "The licence ({licence}) is accepted for this kind of donation.",
}
#: Where restricted material would have gone (`{target}` of the "restricted" reason).
TARGETS = {PartnershipType.CONTENT_DONATION: "Wikimedia Commons", PartnershipType.DATA_DONATION: "Wikidata"}
#: How "Missing: {fields}." separates the fields it names (each a field name with spaces for "_").
FIELDS_SEPARATOR = ", "


def qualify(inquiry: Inquiry) -> Qualification:
    """The qualification tier with its reasons in plain words (ROUTING.md)."""
    ptype, licence = inquiry.partnership_type, inquiry.licence
    if ptype in LICENSED_TYPES and licence is Licence.RESTRICTED:
        return Qualification(Tier.NOT_ELIGIBLE, (REASONS["restricted"].format(target=TARGETS[ptype]),))
    review: list[str] = []
    if ptype in LICENSED_TYPES and licence is Licence.UNSURE:
        review.append(REASONS["licence_unsure"])
    if ptype is PartnershipType.DATA_DONATION and licence in (Licence.CC_BY, Licence.CC_BY_SA):
        review.append(REASONS["attribution_data"])
    if review:
        return Qualification(Tier.NEEDS_REVIEW, tuple(review))
    missing = missing_fields(inquiry)
    if missing:
        fields = FIELDS_SEPARATOR.join(name.replace("_", " ") for name in missing)
        review.append(REASONS["missing"].format(fields=fields))
    if not inquiry.consent:
        review.append(REASONS["no_consent"])
    if review:
        return Qualification(Tier.NEEDS_REVIEW, tuple(review))
    reasons = [REASONS["complete"]]
    if ptype in LICENSED_TYPES and licence is not None:
        reasons.append(REASONS["licence_accepted"].format(licence=licence.value))
    return Qualification(Tier.QUALIFIED, tuple(reasons))
