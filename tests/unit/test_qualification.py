"""Unit tests of bot.intake.model.qualify: every tier and every reason of ROUTING.md's qualification."""
from __future__ import annotations

import dataclasses

import pytest

from bot.intake.model import (
    Inquiry,
    Licence,
    OrganizationType,
    PartnershipType,
    Tier,
    missing_fields,
    qualify,
)

P, L = PartnershipType, Licence


def complete(ptype: PartnershipType = P.CONTENT_DONATION, **changes: object) -> Inquiry:
    """An inquiry with every required answer and consent; `changes` override fields."""
    base = Inquiry(
        conversation_id="c1",
        partnership_type=ptype,
        organization_name="City Museum",
        organization_type=OrganizationType.MUSEUM,
        country="FR",
        licence=L.CC_BY_SA if ptype is P.CONTENT_DONATION else L.CC0 if ptype is P.DATA_DONATION else None,
        description="2,000 photos",
        contact_name="Ada",
        contact_email="ada@example.org",
        consent=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# -- qualified ---------------------------------------------------------------------------------


@pytest.mark.parametrize("licence", [L.PUBLIC_DOMAIN, L.CC0, L.CC_BY, L.CC_BY_SA])
def test_content_donation_with_a_commons_licence_is_qualified(licence: Licence) -> None:
    result = qualify(complete(P.CONTENT_DONATION, licence=licence))
    assert result.tier is Tier.QUALIFIED
    assert result.reasons == (
        "Every required answer was given and consent to be contacted was granted.",
        f"The licence ({licence.value}) is accepted for this kind of donation.",
    )


@pytest.mark.parametrize("licence", [L.PUBLIC_DOMAIN, L.CC0])
def test_data_donation_with_a_wikidata_licence_is_qualified(licence: Licence) -> None:
    result = qualify(complete(P.DATA_DONATION, licence=licence))
    assert result.tier is Tier.QUALIFIED
    assert len(result.reasons) == 2


@pytest.mark.parametrize(
    "ptype", [P.EDUCATION, P.EVENT, P.TECHNOLOGY, P.RESEARCH, P.FUNDING, P.MEDIA, P.OTHER]
)
def test_types_without_material_need_no_licence(ptype: PartnershipType) -> None:
    result = qualify(complete(ptype, licence=None))
    assert result.tier is Tier.QUALIFIED
    assert result.reasons == ("Every required answer was given and consent to be contacted was granted.",)


def test_a_licence_does_not_matter_for_types_without_material() -> None:
    assert qualify(complete(P.EDUCATION, licence=L.RESTRICTED)).tier is Tier.QUALIFIED


# -- needs review ------------------------------------------------------------------------------


@pytest.mark.parametrize("ptype", [P.CONTENT_DONATION, P.DATA_DONATION])
def test_unsure_licence_needs_review(ptype: PartnershipType) -> None:
    result = qualify(complete(ptype, licence=L.UNSURE))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons == ("The partner is not sure which licence applies.",)


@pytest.mark.parametrize("licence", [L.CC_BY, L.CC_BY_SA])
def test_data_donation_under_attribution_licence_needs_review(licence: Licence) -> None:
    result = qualify(complete(P.DATA_DONATION, licence=licence))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons == (
        "Wikidata takes CC0 data only; the data is offered under an attribution licence.",
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"organization_name": None}, "Missing: organization name."),
        ({"organization_type": None}, "Missing: organization type."),
        ({"description": ""}, "Missing: description."),
        ({"licence": None}, "Missing: licence."),
        ({"contact_email": None}, "Missing: contact email."),
        ({"organization_name": None, "description": None}, "Missing: organization name, description."),
    ],
)
def test_missing_answers_need_review(changes: dict[str, object], reason: str) -> None:
    result = qualify(complete(P.CONTENT_DONATION, **changes))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons == (reason,)


def test_missing_licence_for_data_donation() -> None:
    assert missing_fields(complete(P.DATA_DONATION, licence=None)) == ["licence"]
    assert missing_fields(complete(P.EDUCATION, licence=None)) == []


def test_no_consent_needs_review() -> None:
    result = qualify(complete(consent=False, contact_name=None, contact_email=None))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons == (
        "No consent to store contact details, so the affiliate cannot reply directly.",
    )


def test_missing_answers_and_no_consent_give_both_reasons() -> None:
    result = qualify(complete(organization_type=None, consent=False, contact_email=None))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons == (
        "Missing: organization type.",
        "No consent to store contact details, so the affiliate cannot reply directly.",
    )


def test_unsure_licence_is_reported_before_missing_answers() -> None:
    result = qualify(complete(licence=L.UNSURE, description=None))
    assert result.tier is Tier.NEEDS_REVIEW
    assert result.reasons[0] == "The partner is not sure which licence applies."


# -- not eligible ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ptype", "target"), [(P.CONTENT_DONATION, "Wikimedia Commons"), (P.DATA_DONATION, "Wikidata")]
)
def test_restricted_licence_is_not_eligible(ptype: PartnershipType, target: str) -> None:
    result = qualify(complete(ptype, licence=L.RESTRICTED))
    assert result.tier is Tier.NOT_ELIGIBLE
    assert len(result.reasons) == 1
    assert result.reasons[0].startswith(f"{target} only accepts material that anyone may reuse")
    assert "non-commercial, no-derivatives or all-rights-reserved" in result.reasons[0]


def test_restricted_wins_over_missing_answers_and_consent() -> None:
    result = qualify(complete(licence=L.RESTRICTED, description=None, consent=False))
    assert result.tier is Tier.NOT_ELIGIBLE


# -- from slots --------------------------------------------------------------------------------


def test_from_slots_drops_contact_without_consent_and_defaults_languages() -> None:
    slots = {
        "partnership_type": "content_donation",
        "organization_name": "City Museum",
        "organization_type": "museum",
        "licence": "cc_by",
        "project_description": "photos",
        "contact_name": "Ada",
        "contact_email": "ada@example.org",
        "consent": False,
        "language": "fr",
    }
    inquiry = Inquiry.from_slots("c1", slots)
    assert (inquiry.contact_name, inquiry.contact_email, inquiry.consent) == (None, None, False)
    assert (inquiry.language, inquiry.content_language) == ("fr", "fr")
    assert inquiry.licence is L.CC_BY and inquiry.description == "photos"
    assert qualify(inquiry).tier is Tier.NEEDS_REVIEW
    consented = Inquiry.from_slots("c1", {**slots, "consent": True})
    assert consented.contact_email == "ada@example.org"
    assert qualify(consented).tier is Tier.QUALIFIED


def test_from_slots_without_partnership_type_is_other() -> None:
    inquiry = Inquiry.from_slots("c1", {})
    assert inquiry.partnership_type is P.OTHER and inquiry.language == "en"
    assert qualify(inquiry).tier is Tier.NEEDS_REVIEW
