"""Actions with rasa-sdk's Tracker and CollectingDispatcher: the form's reading of answers, the
questions, the summary and its corrections, the start of an intake."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from actions.ask import AskContactEmail, AskCountry, AskLicence
from actions.flow import ActionSessionStart, ActionStopIntake
from actions.intake_form import ValidateIntakeForm
from actions.language import ActionRestart
from actions.opening import ActionAnswerOffer, ActionConsiderIntake, ActionNextStep
from actions.summary import ActionCorrectField, ActionShowSummary
from bot.intake.conversation import FORM_SLOTS, needed_slots

DOMAIN = {"forms": {"intake_form": {"required_slots": list(FORM_SLOTS)}}, "responses": {"utter_why_country": []}}


def tracker(slots=None, text="", entities=None, intent="inform", active_loop="intake_form", events=None,
            confidence=0.9):
    base = {"language": "en", "misses": None, "stage": None}
    base.update(slots or {})
    return Tracker(
        sender_id="unit",
        slots=base,
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence},
                        "entities": entities or []},
        events=events if events is not None else [{"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(coro):
    return asyncio.run(coro)


def act(action, t):
    dispatcher = CollectingDispatcher()
    events = run(action.run(dispatcher, t, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages, events


#: Answers given before the question asked in these tests, in the form's order.
BEFORE = {"partnership_type": "content_donation", "organization_name": "City Museum", "organization_type": "museum",
          "country": "FR", "content_language": "fr"}


def answer(asked, text, intent="inform", **slots):
    """The form's reading of `text` as the answer to question `asked`: (slots set, messages)."""
    earlier = {k: v for k, v in BEFORE.items() if list(FORM_SLOTS).index(k) < list(FORM_SLOTS).index(asked)}
    values, messages, _ = act(ValidateIntakeForm(), tracker({**earlier, "requested_slot": asked, **slots}, text=text,
                                                            intent=intent))
    return values, [m.get("response") for m in messages]


@pytest.mark.parametrize(
    "text, code",
    [("UK", "GB"), ("the Netherlands", "NL"), ("USA", "US"), ("France", "FR"), ("Kenya", "KE"), ("Lyon", "FR")],
)
def test_country_names_and_aliases_become_iso_codes(text, code):
    values, messages = answer("country", text)
    assert values["country"] == code and messages == []


def test_unknown_country_is_reasked_with_an_explanation_and_counted():
    values, messages = answer("country", "Atlantis")
    assert values.get("country") is None and messages == ["utter_invalid_country"]
    assert values["misses"] == {"country": 1} and values["requested_slot"] == "country"


def test_the_third_miss_moves_on_the_default_taken_or_skipping_offered():
    values, messages = answer("licence", "the normal one", misses={"licence": 2})
    assert values["licence"] == "unsure" and messages == ["utter_default_licence"]
    assert values["requested_slot"] != "licence"
    values, messages = answer("organization_type", "a bit of everything", misses={"organization_type": 2})
    assert messages == ["utter_offer_skip"] and values["requested_slot"] == "organization_type"
    # Not asked a fourth time: the question's own action stays silent after the offer.
    dispatcher = CollectingDispatcher()
    run(AskContactEmail().run(dispatcher, tracker({"misses": {"contact_email": 3}}), DOMAIN))
    assert dispatcher.messages == []
    values, messages = answer("organization_type", "still everything", misses={"organization_type": 3})
    assert values["organization_type"] == "other" and messages == ["utter_skipped"]


def test_a_command_at_a_question_is_left_to_the_rules_with_nothing_stored():
    values, messages = answer("country", "why do you need that?", intent="ask_why")
    assert values == {"requested_slot": "country"} and messages == []


def test_a_question_answered_by_the_form_keeps_the_slot_empty():
    values, messages = answer("licence", "what is the difference between CC BY and CC BY-SA?")
    assert values["licence"] is None and messages == ["utter_faq_licences"]
    assert values["requested_slot"] == "licence"


def test_refused_consent_forgets_contact_details():
    values, _ = answer("consent", "no thanks", contact_name="A", contact_email="a@example.org")
    assert values["consent"] is False and values["contact_name"] is None and values["contact_email"] is None


def test_html_is_stripped_from_free_text():
    values, _ = answer("organization_name", "<b>City Museum</b><script>x()</script>")
    assert values["organization_name"] == "City Museum" and values["organization_type"] == "museum"


def test_words_in_a_description_do_not_overwrite_earlier_answers():
    values, _ = answer("project_description", "A study of the Institute for Web Studies archives in Kenya",
                       partnership_type="research", country="FR")
    assert "partnership_type" not in values and "country" not in values


def test_the_form_start_reads_the_opening_once():
    t = tracker({"requested_slot": None}, text="We are a museum in Lyon and want to donate photos", intent="start_intake")
    values, _, _ = act(ValidateIntakeForm(), t)
    assert values["partnership_type"] == "content_donation" and values["country"] == "FR"
    assert values["opening"] == "We are a museum in Lyon and want to donate photos"
    read = tracker({"requested_slot": None, "read_turn": 1}, text="We are a museum in Lyon", intent="start_intake")
    values, _, _ = act(ValidateIntakeForm(), read)
    assert "country" not in values  # the action that started the form read it already


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
    assert "country" not in needed_slots({"skipped": ["country"]}, region_countries=set())


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
    slots = {"partnership_type": "content_donation", "organization_name": "City Museum", "country": "FR",
             "licence": "cc_by_sa", "consent": True, "contact_email": "a@example.org"}
    values, messages, _ = act(ActionShowSummary(), tracker(slots, active_loop=None))
    summary = messages[0]["summary"]
    assert "City Museum" in summary and "France" in summary and "CC BY-SA" in summary
    assert values["stage"] == "summary"


def test_a_change_in_plain_words_at_the_summary_is_made_and_the_summary_shown_again():
    slots = {"stage": "summary", "partnership_type": "event", "organization_name": "X", "organization_type": "museum",
             "country": "FR", "content_language": "fr", "project_description": "An edit-a-thon", "consent": False}
    values, messages, _ = act(ActionCorrectField(), tracker(
        slots, text="the country is wrong, it is Belgium, not France", intent="correct", active_loop=None))
    assert values["country"] == "BE" and values["stage"] == "summary"
    assert [m["response"] for m in messages] == ["utter_corrected", "utter_summary"]


def test_correcting_a_named_answer_forgets_only_that_answer():
    values, _, events = act(ActionCorrectField(), tracker(
        {"country": "FR", "stage": "summary"}, text="change the country", intent="correct", active_loop=None))
    assert values["country"] is None and values["stage"] == "collecting"
    assert any(e.get("event") == "followup" and e.get("name") == "intake_form" for e in events)
    values, _, _ = act(ActionCorrectField(), tracker(
        {"stage": "summary"}, text="I want to change something", intent="correct", active_loop=None))
    assert values["choosing_field"] is True and values["stage"] == "collecting"


def test_a_faq_at_the_summary_still_makes_the_change():
    values, messages, _ = act(ActionNextStep(), tracker(
        {"stage": "summary", "licence": "cc_by", "partnership_type": "content_donation"},
        text="please put public domain as the licence", intent="faq_licences", active_loop=None))
    assert values["licence"] == "public_domain"


def test_stop_forgets_the_inquiry():
    values, messages, _ = act(ActionStopIntake(), tracker({"organization_name": "X", "stage": "collecting"}))
    assert messages[0]["response"] == "utter_stopped" and values["organization_name"] is None


def test_start_over_always_replies():
    _, messages, events = act(ActionRestart(), tracker({"language": "fr"}, active_loop=None))
    assert messages[0]["response"] == "utter_restarted" and events[0]["event"] == "restart"


@pytest.mark.parametrize(
    "text, intent, confidence, stage",
    [("I want to donate photos", "start_intake", 0.95, "collecting"),
     ("/start_intake", "start_intake", 1.0, "collecting"),
     ("are there any videos on how to repair my credit score", "start_intake", 0.56, "offered"),
     ("i need to know how many teaspoons are in two tablespoons", "start_intake", 0.84, "offered"),
     ("Ireland", "inform", 0.9, "offered")],
)
def test_an_intake_starts_only_on_a_partnership_otherwise_it_is_offered(text, intent, confidence, stage):
    values, messages, _ = act(ActionConsiderIntake(), tracker(text=text, intent=intent, active_loop=None,
                                                              confidence=confidence))
    assert values["stage"] == stage
    assert [m["response"] for m in messages] == (["utter_offer_intake"] if stage == "offered" else [])


def test_the_offer_is_answered_in_the_partner_words_and_keeps_what_was_said_before():
    offered = {"stage": "offered", "opening": "we're a museum in Dublin"}
    values, _, _ = act(ActionAnswerOffer(), tracker({**offered, "language": "es"}, text="sí, no hay problema",
                                                    intent="deny", active_loop=None))
    assert values["stage"] == "collecting" and values["country"] == "IE" and values["organization_type"] == "museum"
    values, messages, _ = act(ActionAnswerOffer(), tracker(offered, text="no thanks", intent="deny", active_loop=None))
    assert values["stage"] == "declined" and messages[0]["response"] == "utter_no_problem"


@pytest.mark.parametrize(("told", "said"), [(None, "utter_handoff_waiting_team"),
                                            ("waiting", "utter_handoff_already")])
def test_a_hand_off_found_open_is_announced_unless_the_partner_was_told(monkeypatch, told, said):
    """An action server killed after recording the request, before answering: HAProxy sends the
    call to another, which finds the hand-off open. The partner heard nothing yet, so they are told
    who will answer, not that they are "already waiting"."""
    monkeypatch.setattr(handoff, "_request", lambda *args: ({"status": "waiting", "affiliate_id": None}, False))
    values, messages, events = act(handoff.ActionRequestPerson(),
                                   tracker({"handoff": told}, text="a person please", active_loop=None))
    assert [m.get("response") for m in messages] == [said]
    assert values["handoff"] == "waiting" and any(e.get("event") == "pause" for e in events)
