"""The conversation's slots by name (bot/domain/slots.yml), and the stages of an intake.

Slot values travel through Rasa as JSON, so `Stage` is a `str` Enum: what the `stage` slot holds
and what the dialogue's rules match (data/rules/intake.yml) is a member's `.value`, and a value
read back from a slot compares equal to its member (`"summary" == Stage.SUMMARY`). Renaming a
slot or a stage here does not rename it in the domain, the rules or the trained model.

Pure: no Rasa imports, so that `bot` and `actions` share the names.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from bot.i18n.catalog import DEFAULT_LANGUAGE

#: What asking for a person led to (bot/domain/slots.yml `handoff`).
HANDOFF = "handoff"


class HandoffOutcome(str, Enum):
    WAITING = "waiting"  # a person will answer; the conversation is paused
    COLLECTING = "collecting"  # nobody available: the intake form takes the message
    NOTED = "noted"  # nobody available; the inquiry is marked as wanting a person, or one is offered


class Stage(str, Enum):
    """Where the intake is; the dialogue's rules choose the next action by it."""

    OFFERED = "offered"  # the assistant asked whether to start an inquiry
    DECLINED = "declined"  # the partner said no to that
    COLLECTING = "collecting"  # the form asks its questions
    SUMMARY = "summary"  # the summary was shown: waiting for a yes or a change
    SUBMITTED = "submitted"  # stored and routed; the partner has the reference


# -- the answers (DESIGN.md, "Slots"), in the form's order ------------------------------------
PARTNERSHIP_TYPE = "partnership_type"
ORGANIZATION_NAME = "organization_name"
ORGANIZATION_TYPE = "organization_type"
COUNTRY = "country"
REGION = "region"
CONTENT_LANGUAGE = "content_language"
LICENCE = "licence"
PROJECT_DESCRIPTION = "project_description"
CONSENT = "consent"
CONTACT_NAME = "contact_name"
CONTACT_EMAIL = "contact_email"
#: True when the partner works across countries: no country, no region.
INTERNATIONAL = "international"
CITY = "city"
CONFIRMED = "confirmed"

# -- the conversation --------------------------------------------------------------------------
STAGE = "stage"
LANGUAGE = "language"
#: How `language` was chosen (bot.i18n.detect.Source).
LANGUAGE_SOURCE = "language_source"
#: A language we do not speak that the partner was already told about.
LANGUAGE_NOTICE = "language_notice"
GREETED = "greeted"
#: The partner's first words about the inquiry, kept with it for the affiliate.
OPENING = "opening"
REFERENCE = "reference"

# -- the form's bookkeeping --------------------------------------------------------------------
#: Rasa's own: the question the form is asking (rasa_sdk.forms.REQUESTED_SLOT).
REQUESTED_SLOT = "requested_slot"
#: The question "which answer would you like to change?", and whether it is being asked.
FIELD = "field"
CHOOSING_FIELD = "choosing_field"
#: Unrecognised answers so far, by question.
MISSES = "misses"
#: Questions skipped, or left at a default of "none".
SKIPPED = "skipped"
#: Answers taken from the first message rather than asked.
GUESSED = "guessed"
#: The partner message (by count) an action already read as answers.
READ_TURN = "read_turn"
#: Rasa's own: the metadata the session started with (the page's language).
SESSION_STARTED_METADATA = "session_started_metadata"


def language_of(slots: Mapping[str, Any]) -> str:
    """The conversation language: the `language` slot, English until one is known."""
    return slots.get(LANGUAGE) or DEFAULT_LANGUAGE
