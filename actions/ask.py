"""Questions of the intake form: plain at first, with buttons after two unrecognised answers."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reading import conversation_language
from bot.i18n.catalog import country_name, language_name, load_catalog, supported_languages
from bot.intake import conversation
from bot.intake.slots import FIELD, MISSES


def _payload(intent: str, entity: str, value: str) -> str:
    return f"/{intent}{json.dumps({entity: value}, ensure_ascii=False)}"


def buttons_for(slot: str, language: str) -> list[dict[str, Any]]:
    """Buttons that answer `slot` directly, titled in the conversation language."""
    catalog = load_catalog(language)
    if slot in ("partnership_type", "organization_type", "licence"):
        return [
            {"title": title, "payload": _payload("inform", slot, value)}
            for value, title in (catalog.values.get(slot) or load_catalog("en").values[slot]).items()
        ]
    if slot == "country":
        codes = catalog.values.get("country_buttons") or load_catalog("en").values["country_buttons"]
        buttons = [{"title": country_name(code, language), "payload": _payload("inform", "country", code)}
                   for code in codes]
        buttons.append({"title": catalog.label("international"),
                        "payload": _payload("inform", "country", "international")})
        return buttons
    if slot == "content_language":
        codes = list(supported_languages())
        return [{"title": language_name(code, language), "payload": _payload("inform", "content_language", code)}
                for code in codes]
    if slot == FIELD:
        return [{"title": catalog.label(name), "payload": _payload("correct", FIELD, name)}
                for name in conversation.CORRECTABLE]
    return []


#: Questions that have a second wording with buttons (`utter_ask_<slot>_buttons`).
WITH_BUTTONS = frozenset({"partnership_type", "organization_type", "country", "region", "content_language", "licence"})


class AskSlot:
    """Mixin of the `action_ask_<slot>` actions (not an Action itself, so rasa-sdk does not
    register the base)."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = conversation_language(tracker)
        if conversation.has_moved_on(tracker.get_slot(MISSES), self.slot):
            return []  # asked three times: the partner was just offered to skip it instead
        if self.slot in WITH_BUTTONS and conversation.should_offer_buttons(tracker.get_slot(MISSES), self.slot):
            dispatcher.utter_message(response=f"utter_ask_{self.slot}_buttons",
                                     buttons=buttons_for(self.slot, language))
        else:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


class AskPartnershipType(AskSlot, Action):
    slot = "partnership_type"


class AskOrganizationType(AskSlot, Action):
    slot = "organization_type"


class AskCountry(AskSlot, Action):
    slot = "country"


class AskRegion(AskSlot, Action):
    slot = "region"


class AskContentLanguage(AskSlot, Action):
    slot = "content_language"


class AskLicence(AskSlot, Action):
    slot = "licence"


class AskOrganizationName(AskSlot, Action):
    slot = "organization_name"


class AskProjectDescription(AskSlot, Action):
    slot = "project_description"


class AskConsent(AskSlot, Action):
    slot = "consent"


class AskContactName(AskSlot, Action):
    slot = "contact_name"


class AskContactEmail(AskSlot, Action):
    slot = "contact_email"


class AskField(Action):
    """Which answer to change: always with buttons, one per answer."""

    def name(self) -> str:
        return "action_ask_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_field", buttons=buttons_for(FIELD, conversation_language(tracker)))
        return []
