"""Validation of the intake form: every answer normalised to the contract's values."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import runtime
from bot import conversation
from bot.i18n import country_name, load_catalog
from bot.intake import Licence
from bot.vocab.contact import normalize_email, normalize_person_name
from bot.vocab.countries import city_location, normalize_country
from bot.vocab.regions import normalize_region
from bot.vocab.terms import (
    is_answer,
    normalize_language,
    normalize_licence,
    normalize_organization_type,
    normalize_partnership_type,
)
from bot.vocab.text import strip_tags as strip_html

FREE_TEXT = {"organization_name", "project_description", "contact_name", "contact_email"}


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest partner message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _clean(value: Any) -> str:
    return strip_html(str(value)).strip() if value is not None else ""


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return conversation.needed_slots(tracker.slots, region_countries=runtime.region_countries())

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        # Validate every form slot set by this message, not only the ones needed so far: an
        # opening sentence may give the licence before we know it is a content donation.
        slots: dict[str, Any] = tracker.slots_to_validate()
        known = set(self.domain_slots(domain))
        asked = tracker.get_slot("requested_slot")
        text = (tracker.latest_message or {}).get("text")
        changed_other = False
        # The question just asked is validated last: if the message instead changed another
        # answer ("actually we are in Belgium"), it is not a wrong answer to this question.
        for slot_name in sorted(slots, key=lambda name: name == asked):
            value = slots[slot_name]
            if slot_name not in known:
                continue
            if asked in FREE_TEXT and slot_name != asked:
                # Words inside a name or description ("Institute for Web Studies") must not
                # overwrite an answer already given; they may still fill an empty one.
                earlier = previous_value(tracker, slot_name)
                if earlier is not None:
                    slots[slot_name] = earlier
                    tracker.slots[slot_name] = earlier
                    continue
            if slot_name == asked and changed_other and value == text:
                slots[slot_name] = None
                tracker.slots[slot_name] = None
                continue
            method = getattr(self, f"validate_{slot_name}", None)
            if method is None:
                continue
            output = await method(value, dispatcher, tracker, domain)
            # Any text answers a free-text question, even one that also fills an empty slot
            # ("Musée d'histoire de Lyon" gives the country too).
            if slot_name != asked and asked not in FREE_TEXT and output.get(slot_name) is not None:
                changed_other = True
            slots.update(output)
            tracker.slots.update(output)
        return [SlotSet(slot, value) for slot, value in slots.items()]

    async def extract_country(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """A city in the message gives country and region when the partner named no country."""
        if tracker.get_slot("country") or tracker.get_slot("international"):
            return {}
        for city in tracker.get_latest_entity_values("city"):
            found = city_location(city)
            if found:
                country, region = found
                return {"country": country, "region": region} if region else {"country": country}
        return {}

    # -- helpers -----------------------------------------------------------------------
    def _miss(self, slot: str, tracker: Tracker, dispatcher: CollectingDispatcher, **kwargs) -> dict[str, Any]:
        dispatcher.utter_message(response=f"utter_invalid_{slot}", **kwargs)
        misses = conversation.count_miss(tracker.get_slot("misses"), slot)
        return {slot: None, "misses": misses}

    @staticmethod
    def _ok(slot: str, value: Any, tracker: Tracker, **more: Any) -> dict[str, Any]:
        return {slot: value, "misses": conversation.clear_miss(tracker.get_slot("misses"), slot), **more}

    @staticmethod
    def _language(tracker: Tracker) -> str:
        return tracker.get_slot("language") or "en"

    # -- validators --------------------------------------------------------------------
    async def validate_partnership_type(self, value, dispatcher, tracker, domain):
        found = normalize_partnership_type(_clean(value), self._language(tracker))
        if found is None:
            return self._miss("partnership_type", tracker, dispatcher)
        result = self._ok("partnership_type", found.value, tracker)
        if found.value not in ("content_donation", "data_donation"):
            result["licence"] = None  # licence is asked only for donations
        return result

    async def validate_organization_name(self, value, dispatcher, tracker, domain):
        name = " ".join(_clean(value).split())
        if not (1 <= len(name) <= 200) or not any(ch.isalnum() for ch in name):
            return self._miss("organization_name", tracker, dispatcher)
        return self._ok("organization_name", name, tracker)

    async def validate_organization_type(self, value, dispatcher, tracker, domain):
        found = normalize_organization_type(_clean(value), self._language(tracker))
        if found is None:
            return self._miss("organization_type", tracker, dispatcher)
        return self._ok("organization_type", found.value, tracker)

    async def validate_country(self, value, dispatcher, tracker, domain):
        text = _clean(value)
        if is_answer("international", text, self._language(tracker)):
            return self._ok("country", None, tracker, international=True, region=None)
        code = normalize_country(text, self._language(tracker))
        region = tracker.get_slot("region")
        if code is None:
            found = city_location(text)
            if found:
                code, region = found
        if code is None:
            shown = text[:60] if text else "?"
            return self._miss("country", tracker, dispatcher, value=shown)
        if region and not str(region).upper().startswith(code + "-"):
            region = None
        return self._ok("country", code, tracker, international=False, region=region)

    async def validate_region(self, value, dispatcher, tracker, domain):
        country = tracker.get_slot("country")
        code = normalize_region(_clean(value), country) if country else None
        if code is None:
            if tracker.get_slot("requested_slot") != "region":
                return {"region": None}  # a stray region entity; ask later if needed
            shown = country_name(country, self._language(tracker)) if country else ""
            return self._miss("region", tracker, dispatcher, country_name=shown)
        return self._ok("region", code, tracker)

    async def validate_content_language(self, value, dispatcher, tracker, domain):
        text = _clean(value)
        if is_answer("same_language", text, self._language(tracker)):
            return self._ok("content_language", self._language(tracker), tracker)
        code = normalize_language(text, self._language(tracker))
        if code is None:
            if tracker.get_slot("requested_slot") != "content_language":
                return {"content_language": None}
            return self._miss("content_language", tracker, dispatcher)
        return self._ok("content_language", code, tracker)

    async def validate_licence(self, value, dispatcher, tracker, domain):
        found = normalize_licence(_clean(value), self._language(tracker))
        if found is None:
            if tracker.get_slot("requested_slot") != "licence":
                return {"licence": None}
            return self._miss("licence", tracker, dispatcher)
        if found is Licence.RESTRICTED:
            dispatcher.utter_message(response="utter_restricted_licence")
        return self._ok("licence", found.value, tracker)

    async def validate_project_description(self, value, dispatcher, tracker, domain):
        text = " ".join(_clean(value).split())
        if not (3 <= len(text) <= 2000) or not any(ch.isalpha() for ch in text):
            return self._miss("project_description", tracker, dispatcher)
        return self._ok("project_description", text, tracker)

    async def validate_consent(self, value, dispatcher, tracker, domain):
        if isinstance(value, bool):
            answer = value
        else:
            text, language = _clean(value), self._language(tracker)
            answer = True if is_answer("yes", text, language) else False if is_answer("no", text, language) else None
        if answer is None:
            return self._miss("consent", tracker, dispatcher)
        result = self._ok("consent", answer, tracker)
        if not answer:  # nothing personal is kept without consent
            result.update(contact_name=None, contact_email=None)
        return result

    async def validate_contact_name(self, value, dispatcher, tracker, domain):
        name = normalize_person_name(_clean(value), self._language(tracker))
        if name is None:
            return self._miss("contact_name", tracker, dispatcher)
        return self._ok("contact_name", name, tracker)

    async def validate_contact_email(self, value, dispatcher, tracker, domain):
        email = normalize_email(str(value or ""))
        if email is None:
            return self._miss("contact_email", tracker, dispatcher)
        return self._ok("contact_email", email, tracker)

    async def validate_field(self, value, dispatcher, tracker, domain):
        catalog = load_catalog(self._language(tracker))
        slot = conversation.field_from_text(_clean(value), catalog)
        if slot is None:
            return {"field": None}  # asked again, with buttons, by action_ask_field
        reset: dict[str, Any] = {"field": None, "choosing_field": False, slot: None}
        if slot == "country":
            reset.update(international=None, region=None)
        if slot == "consent":
            reset.update(contact_name=None, contact_email=None)
        return reset
