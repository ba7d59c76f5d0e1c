"""The conversation language: page choice, detection, the partner's request, and the notice for
languages the assistant does not speak yet."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.flow as flow
import actions.language as language_actions
from actions.flow import ActionSessionStart
from actions.language import ActionDetectLanguage, ActionRestart, ActionSwitchLanguage, requested_language
from actions.opening import ActionNluFallback
from bot.i18n.detect import Choice, choose, guess, metadata_with_guess, unsupported_notice

SUPPORTED = ("en", "es")


def test_a_clear_sentence_is_recognised_and_single_words_are_not_guessed():
    assert guess("Hola, somos un museo en Sevilla y queremos donar fotos").language == "es"
    assert guess("siamo un museo a Firenze e vogliamo donare delle foto").language == "it"
    assert guess("نحن متحف في القاهرة ونريد التبرع بالصور").language == "ar"
    for ambiguous in ("sim", "merci", "ok", "/greet", ""):
        assert guess(ambiguous) is None, ambiguous


def test_a_greeting_alone_tells_its_language_and_arabic_script_is_arabic():
    """"Oi", "Buenos días" and "تحية طيبة" open many conversations: answered in their language."""
    assert {text: guess(text).language for text in ("Oi", "Buenos días", "Bonjour !", "Guten Tag", "تحية طيبة")} == {
        "Oi": "pt", "Buenos días": "es", "Bonjour !": "fr", "Guten Tag": "de", "تحية طيبة": "ar"}
    assert guess("Gostaríamos de doar 300 fotografias para o Wikimedia Commons").language == "pt"


def test_the_channel_adds_its_guess_to_the_metadata_and_keeps_the_rest():
    meta = metadata_with_guess({"language": "es"}, "Nous sommes un musée à Lyon et voulons donner des photos")
    assert meta == {"language": "es", "detected_language": "fr"}
    assert metadata_with_guess(None, "ok") == {}


@pytest.mark.parametrize("kwargs, expected", [
    (dict(requested="es"), Choice("es", "partner")),
    (dict(requested="it"), Choice("en", "default", unsupported="it")),
    (dict(detected="es"), Choice("es", "detected")),
    (dict(detected="it"), Choice("en", "default", unsupported="it")),
    (dict(detected="es", source="page"), None),  # the page chose: no second-guessing
    (dict(detected="es", user_turns=4), None),  # detection only at the start
    (dict(detected="en"), None),
    (dict(requested="es", source="page"), Choice("es", "partner")),  # asking always works
])
def test_who_decides_the_language(kwargs, expected):
    base = dict(current="en", source="default", supported=SUPPORTED, requested=None, detected=None, user_turns=1)
    assert choose(**{**base, **kwargs}) == expected


def test_the_notice_is_in_the_language_we_cannot_speak_where_we_can():
    assert "italiano" in unsupported_notice("it")
    assert unsupported_notice("fi") == "Sorry, I can't hold this conversation in Finnish yet, so let's continue in English."


def tracker(*, text="", intent="inform", entities=(), metadata=None, slots=None, events=None):
    return Tracker(
        sender_id="unit", slots={"language": "en", "language_source": "default", **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities),
                        "metadata": metadata or {}},
        events=events or [{"event": "session_started"}, {"event": "user", "text": text}],
        paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


@pytest.fixture
def spanish_supported(monkeypatch):
    monkeypatch.setattr(language_actions, "supported_languages", lambda: SUPPORTED)


def test_asking_for_a_language_switches_to_it(spanish_supported):
    t = tracker(text="can we speak Spanish?", intent="switch_language",
                entities=[{"entity": "content_language", "value": "Spanish"}])
    events, _ = run(ActionDetectLanguage(), t)
    assert {e["name"]: e["value"] for e in events} == {"language": "es", "language_source": "partner"}
    _, messages = run(ActionSwitchLanguage(), t)
    assert messages[0]["response"] == "utter_language_switched"
    assert messages[0]["custom"] == {"data": {"language": "es"}}  # the widget follows


def test_a_language_named_in_another_language_or_with_an_arabic_clitic_is_understood(spanish_supported):
    assert requested_language(tracker(text="¿podemos hablar en español?", intent="switch_language")) == "es"
    arabic = tracker(text="x", intent="switch_language", entities=[{"entity": "content_language", "value": "بالإنجليزية"}])
    assert requested_language(arabic) == "en"
    assert requested_language(tracker(text="can we speak Spanish?", intent="inform")) is None


def test_asking_for_a_language_we_do_not_speak_says_so_in_it(spanish_supported):
    t = tracker(text="can we speak Italian?", intent="switch_language",
                entities=[{"entity": "content_language", "value": "Italian"}])
    assert run(ActionDetectLanguage(), t)[0] == []
    _, messages = run(ActionSwitchLanguage(), t)
    assert "italiano" in messages[0]["text"]


def test_detected_language_early_in_the_conversation(spanish_supported):
    t = tracker(text="Hola, somos un museo", metadata={"detected_language": "es"})
    events, _ = run(ActionDetectLanguage(), t)
    assert {e["name"]: e["value"] for e in events} == {"language": "es", "language_source": "detected"}
    late = tracker(text="Hola", metadata={"detected_language": "es"},
                   events=[{"event": "session_started"}] + [{"event": "user"}] * 5)
    assert run(ActionDetectLanguage(), late)[0] == []


def test_session_start_takes_the_page_language_and_announces_one_we_cannot_speak():
    t = Tracker("unit", {"session_started_metadata": {"language": "it-IT"}}, {}, [], False, None, {}, "action_listen")
    events, messages = run(ActionSessionStart(), t)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["language"] == "en" and slots["language_source"] == "page" and slots["language_notice"] == "it"
    assert "italiano" in messages[0]["text"]


def test_session_start_uses_the_first_message_when_the_page_said_nothing(monkeypatch):
    monkeypatch.setattr(flow, "resolve_language", lambda code: code if code in SUPPORTED else "en")
    t = Tracker("unit", {"session_started_metadata": {"detected_language": "es"}}, {}, [], False, None, {},
                "action_listen")
    events, messages = run(ActionSessionStart(), t)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["language"] == "es" and slots["language_source"] == "detected"
    assert messages[0]["custom"] == {"data": {"language": "es"}}


def test_a_message_in_a_language_we_do_not_speak_gets_the_notice_once_instead_of_the_fallback():
    t = tracker(text="vorrei donare delle foto del nostro museo", metadata={"detected_language": "it"})
    events, messages = run(ActionNluFallback(), t)
    assert "italiano" in messages[0]["text"] and events[0]["value"] == "it"
    two_turns = [{"event": "session_started"}, {"event": "user", "text": "ciao"}, {"event": "user", "text": "vorrei"}]
    again = tracker(text="vorrei donare", metadata={"detected_language": "it"}, slots={"language_notice": "it"},
                    events=two_turns)
    assert run(ActionNluFallback(), again)[1][0]["response"] == "utter_default"
    # The session's first message already got the notice from the session start: one reply only.
    first = tracker(text="vorrei donare", metadata={"detected_language": "it"}, slots={"language_notice": "it"})
    assert run(ActionNluFallback(), first)[1] == []


def test_start_over_keeps_the_language():
    events, _ = run(ActionRestart(), tracker(slots={"language": "es", "language_source": "partner"}))
    assert events[0]["event"] == "restart"
    assert {e["name"]: e["value"] for e in events[1:]} == {"language": "es", "language_source": "partner",
                                                          "greeted": True}


def test_asking_to_change_language_without_naming_one_offers_the_languages_we_speak(spanish_supported):
    _, messages = run(ActionSwitchLanguage(), tracker(text="change language", intent="switch_language"))
    assert messages[0]["response"] == "utter_which_language" and messages[0]["languages"] == "English, Spanish"
    assert [b["title"] for b in messages[0]["buttons"]] == ["English", "español"]
    assert messages[0]["buttons"][1]["payload"] == '/switch_language{"content_language":"es"}'


def test_a_message_that_got_no_reply_gets_an_apology_in_the_conversation_language(monkeypatch):
    """The channels' last line of defence (integrations/channels/replies.py): a dialogue that sent
    nothing, or failed, still answers the partner."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from integrations.channels import replies

    async def language_of(sender_id):
        return "es"

    monkeypatch.setattr(replies, "_language_of", language_of)

    async def silent(message):
        return None

    async def failing(message):
        raise RuntimeError("action server down")

    async def talking(message):
        await message.output_channel.send_text_message(message.sender_id, "hola")

    for handler, expected in ((silent, replies.error_text("es")), (failing, replies.error_text("es")), (talking, "hola")):
        collector = CollectingOutputChannel()
        asyncio.run(replies.always_answered(handler)(UserMessage("x", collector, "s1")))
        assert [m["text"] for m in collector.messages] == [expected]
    assert replies.error_text("es") != replies.error_text("en")
