"""Actions with rasa-sdk's Tracker and CollectingDispatcher: validation, questions, corrections."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.ask import AskCountry, AskLicence
from actions.flow import ActionCorrectField, ActionSessionStart, ActionShowSummary, ActionStopIntake
from actions.intake_form import ValidateIntakeForm
from bot.conversation import FORM_SLOTS

DOMAIN = {"forms": {"intake_form": {"required_slots": list(FORM_SLOTS)}}, "responses": {"utter_why_country": []}}


def tracker(slots=None, text="", entities=None, intent="inform", active_loop="intake_form", events=None):
    base = {"language": "en", "misses": None, "stage": None}
    base.update(slots or {})
    return Tracker(
        sender_id="unit",
        slots=base,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(coro):
    return asyncio.run(coro)


def validate(slot, value, **slots):
    dispatcher = CollectingDispatcher()
    result = run(getattr(ValidateIntakeForm(), f"validate_{slot}")(value, dispatcher, tracker(slots), DOMAIN))
    return result, dispatcher.messages


@pytest.mark.parametrize(
    "text, code",
    [("UK", "GB"), ("the Netherlands", "NL"), ("USA", "US"), ("France", "FR"), ("Kenya", "KE"), ("Lyon", "FR")],
)
def test_country_names_and_aliases_become_iso_codes(text, code):
    result, messages = validate("country", text)
    assert result["country"] == code and messages == []


def test_unknown_country_is_reasked_with_an_explanation_and_counted():
    result, messages = validate("country", "Atlantis")
    assert result["country"] is None
    assert messages[0]["response"] == "utter_invalid_country" and "Atlantis" in messages[0]["value"]
    assert result["misses"] == {"country": 1}
    again, _ = validate("country", "Narnia", misses=result["misses"])
    assert again["misses"] == {"country": 2}


def test_international_partner_needs_no_country():
    result, _ = validate("country", "international")
    assert result["country"] is None and result["international"] is True


@pytest.mark.parametrize(
    "text, region", [("New York", "US-NY"), ("Ohio", "US-OH"), ("NY", "US-NY")]
)
def test_region_normalised_to_iso_3166_2(text, region):
    result, _ = validate("region", text, country="US", requested_slot="region")
    assert result["region"] == region


@pytest.mark.parametrize(
    "text, licence",
    [("CC BY-SA", "cc_by_sa"), ("CC BY-NC", "restricted"), ("non-commercial only", "restricted"),
     ("all rights reserved", "restricted"), ("CC0", "cc0"), ("public domain", "public_domain"),
     ("not sure", "unsure")],
)
def test_licence_phrases(text, licence):
    result, messages = validate("licence", text, requested_slot="licence")
    assert result["licence"] == licence
    assert (licence == "restricted") == any(m["response"] == "utter_restricted_licence" for m in messages)


@pytest.mark.parametrize("text", ["not-an-email", "a@b", "two@@example.org", "x" * 300 + "@example.org", ""])
def test_malformed_emails_are_refused(text):
    result, messages = validate("contact_email", text)
    assert result["contact_email"] is None and messages[0]["response"] == "utter_invalid_contact_email"


def test_email_is_extracted_from_a_sentence():
    result, _ = validate("contact_email", "my email is Jane.Doe@Example.ORG please")
    assert result["contact_email"] == "Jane.Doe@example.org"


@pytest.mark.parametrize(
    "slot, text, value",
    [("organization_type", "we're a museum", "museum"), ("organization_type", "a company", "company"),
     ("partnership_type", "photos", "content_donation"), ("partnership_type", "an edit-a-thon", "event")],
)
def test_enumerations(slot, text, value):
    result, _ = validate(slot, text)
    assert result[slot] == value


@pytest.mark.parametrize(
    "text",
    ["", "🙂🙂🙂", "<script>alert(1)</script>", "'; DROP TABLE inquiries; --", "x" * 10_000],
)
def test_bad_input_never_crashes_and_is_never_stored_raw(text):
    for slot in ("country", "organization_type", "licence", "contact_email", "project_description"):
        result, _ = validate(slot, text, requested_slot=slot)
        assert result[slot] is None or "<script" not in str(result[slot])


def test_html_is_stripped_from_free_text():
    result, _ = validate("organization_name", "<b>City Museum</b><script>x()</script>")
    assert result["organization_name"] == "City Museum"


def test_refused_consent_forgets_contact_details():
    result, _ = validate("consent", False, contact_name="A", contact_email="a@example.org")
    assert result["consent"] is False and result["contact_name"] is None and result["contact_email"] is None


def _required(slots):
    return run(ValidateIntakeForm().required_slots(list(FORM_SLOTS), CollectingDispatcher(), tracker(slots), DOMAIN))


def test_licence_asked_only_for_donations_and_region_only_where_routing_needs_it():
    assert "licence" in _required({"partnership_type": "content_donation"})
    assert "licence" not in _required({"partnership_type": "education"})
    assert "region" in _required({"country": "US"})
    assert "region" not in _required({"country": "FR"})
    assert "country" not in _required({"international": True})
    assert "contact_email" in _required({"consent": True})
    assert "contact_email" not in _required({"consent": False})


def test_buttons_after_two_misses():
    dispatcher = CollectingDispatcher()
    run(AskCountry().run(dispatcher, tracker({"misses": {"country": 1}}), DOMAIN))
    assert dispatcher.messages[0]["response"] == "utter_ask_country" and not dispatcher.messages[0]["buttons"]
    dispatcher = CollectingDispatcher()
    run(AskLicence().run(dispatcher, tracker({"misses": {"licence": 2}}), DOMAIN))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_licence_buttons"
    assert {'/inform{"licence": "cc_by_sa"}', '/inform{"licence": "unsure"}'} <= {b["payload"] for b in message["buttons"]}


def test_session_starts_in_the_language_of_the_metadata():
    events = run(ActionSessionStart().run(
        CollectingDispatcher(), tracker({"session_started_metadata": {"language": "de-AT"}}), DOMAIN))
    assert SlotSet("language", "de") in events and SlotSet("language_source", "page") in events
    dispatcher = CollectingDispatcher()
    events = run(ActionSessionStart().run(dispatcher, tracker({"session_started_metadata": {"language": "it"}}), DOMAIN))
    # Italian has no catalogue, so the conversation is held in English, after a notice in Italian.
    assert SlotSet("language", "en") in events and "italiano" in dispatcher.messages[0]["text"]


def test_summary_lists_the_answers_and_sets_the_stage():
    dispatcher = CollectingDispatcher()
    slots = {"partnership_type": "content_donation", "organization_name": "City Museum", "country": "FR",
             "licence": "cc_by_sa", "consent": True, "contact_email": "a@example.org"}
    events = run(ActionShowSummary().run(dispatcher, tracker(slots, active_loop=None), DOMAIN))
    summary = dispatcher.messages[0]["summary"]
    assert "City Museum" in summary and "France" in summary and "CC BY-SA" in summary
    assert SlotSet("stage", "summary") in events


def test_correcting_a_named_answer_forgets_only_that_answer():
    events = run(ActionCorrectField().run(
        CollectingDispatcher(), tracker({"country": "FR"}, text="change the country", intent="correct"), DOMAIN))
    assert SlotSet("country", None) in events and SlotSet("stage", "collecting") in events
    events = run(ActionCorrectField().run(
        CollectingDispatcher(), tracker({}, text="I want to change something", intent="correct"), DOMAIN))
    assert SlotSet("choosing_field", True) in events and SlotSet("stage", "collecting") in events


def test_stop_forgets_the_inquiry():
    dispatcher = CollectingDispatcher()
    events = run(ActionStopIntake().run(dispatcher, tracker({"organization_name": "X"}), DOMAIN))
    assert dispatcher.messages[0]["response"] == "utter_stopped"
    assert SlotSet("organization_name", None) in events


def test_words_in_a_description_do_not_overwrite_earlier_answers():
    events = [
        {"event": "slot", "name": "partnership_type", "value": "technology"},
        {"event": "user", "text": "Institute for Web Studies"},
        {"event": "slot", "name": "partnership_type", "value": "Studies"},
        {"event": "slot", "name": "organization_name", "value": "Institute for Web Studies"},
    ]
    t = tracker({"requested_slot": "organization_name", "partnership_type": "Studies",
                 "organization_name": "Institute for Web Studies"}, text="Institute for Web Studies", events=events)
    result = run(ValidateIntakeForm().get_validation_events(CollectingDispatcher(), t, DOMAIN))
    values = {e["name"]: e["value"] for e in result}
    assert values["partnership_type"] == "technology"
    assert values["organization_name"] == "Institute for Web Studies"


def test_changing_another_answer_is_not_a_wrong_answer_to_the_question():
    events = [
        {"event": "slot", "name": "country", "value": "FR"},
        {"event": "user", "text": "actually we are in Belgium"},
        {"event": "slot", "name": "country", "value": "Belgium"},
        {"event": "slot", "name": "organization_type", "value": "actually we are in Belgium"},
    ]
    t = tracker({"requested_slot": "organization_type", "country": "Belgium",
                 "organization_type": "actually we are in Belgium"}, text="actually we are in Belgium", events=events)
    dispatcher = CollectingDispatcher()
    result = run(ValidateIntakeForm().get_validation_events(dispatcher, t, DOMAIN))
    values = {e["name"]: e["value"] for e in result}
    assert values["country"] == "BE" and values["organization_type"] is None
    assert dispatcher.messages == []


def test_a_name_that_contains_a_city_answers_the_name_and_fills_the_country():
    events = [{"event": "user", "text": "Musée d'histoire de Lyon"},
              {"event": "slot", "name": "country", "value": "FR"},
              {"event": "slot", "name": "organization_name", "value": "Musée d'histoire de Lyon"}]
    t = tracker({"requested_slot": "organization_name", "country": "FR",
                 "organization_name": "Musée d'histoire de Lyon"}, text="Musée d'histoire de Lyon", events=events)
    result = run(ValidateIntakeForm().get_validation_events(CollectingDispatcher(), t, DOMAIN))
    values = {e["name"]: e["value"] for e in result}
    assert values["organization_name"] == "Musée d'histoire de Lyon" and values["country"] == "FR"
