"""Whole intakes in every supported language through the real servers (tests/e2e/intakes/):
the language chosen by the page or recognised from the first message, every reply in it, the
answers normalised from that language, the routing (content language included) and the
partner's own words kept for the affiliate."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml
from driver import Conversation, get_json

from bot.i18n.catalog import supported_languages
from bot.i18n.detect import guess

pytestmark = pytest.mark.e2e

INTAKES = Path(__file__).resolve().parent / "intakes"


def _scenarios() -> list[tuple[str, int, dict]]:
    out = []
    for language in supported_languages():
        path = INTAKES / f"{language}.yml"
        if path.exists():
            out += [(language, i, s) for i, s in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")))]
    return out


SCENARIOS = _scenarios()


def _items(found):
    return found["items"] if isinstance(found, dict) else found


def test_every_language_but_english_has_intakes_of_four_kinds():
    kinds: dict[str, set[str]] = {}
    for language, _, scenario in SCENARIOS:
        kinds.setdefault(language, set()).add(scenario["slots"]["partnership_type"])
    for language in supported_languages():
        if language != "en":
            assert {"content_donation", "data_donation", "education", "event"} <= kinds.get(language, set()), language


def _in_language(replies: list[str], language: str, names: tuple[str, ...] = ()) -> float:
    """Share of the replies the detector reads as `language`, proper names (the partner's
    answers, the affiliate's name) taken out first: they are in any language."""
    texts = []
    for text in replies:
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        texts.append(text)
    guesses = [g.language for g in map(guess, texts) if g]
    return sum(g == language for g in guesses) / max(1, len(guesses))


@pytest.mark.parametrize(("language", "index", "scenario"), SCENARIOS, ids=[s["id"] for _, _, s in SCENARIOS])
def test_whole_intake_in_the_partners_language(stack, language, index, scenario):
    # Every other conversation relies on recognising the first message instead of the page.
    metadata = {"language": language} if index % 2 == 0 else {}
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"i18n-{uuid.uuid4().hex[:12]}", metadata=metadata)
    answers = scenario["answers"]
    reference = chat.complete_intake(scenario["opening"], answers, confirm=answers["consent"])
    assert reference, chat.transcript()
    slots = chat.slots()
    assert slots["language"] == language, chat.transcript()
    for name, value in scenario["slots"].items():
        assert slots[name] == value, (name, chat.transcript())
    token = stack.env["INTAKE_API_TOKEN"]
    inquiry = get_json(f"{stack.console_url}/api/inquiries/{reference}", token)
    affiliates = {a["id"]: a["name"] for a in _items(get_json(f"{stack.console_url}/api/affiliates", token))}
    replies = [r["text"] for t in chat.turns for r in t.replies if r.get("text")]
    names = (*answers.values(), affiliates[inquiry["routing"]["affiliate_id"]], reference)
    assert _in_language(replies, language, names) >= 0.9, chat.transcript()
    expect = scenario["expect"]
    assert (inquiry["routing"]["affiliate_id"], inquiry["routing"]["rule"]) == (expect["affiliate"], expect["rule"]), \
        chat.transcript()
    assert inquiry["qualification"]["tier"] == expect["tier"], (inquiry["qualification"], chat.transcript())
    assert inquiry["language"] == language
    # A rich opening is the partner's own description: the question is then not asked again.
    asked_description = any(t.sent == answers["project_description"] for t in chat.turns)
    opening = " ".join(scenario["opening"].split())
    assert inquiry["description"] == (" ".join(answers["project_description"].split()) if asked_description else opening)
    assert "opening" not in inquiry, "the JSON API's inquiry has DESIGN.md's fields"
    assert reference in chat.turns[-1].text


def test_switching_language_mid_form_keeps_the_answers(stack):
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"i18n-{uuid.uuid4().hex[:12]}")
    chat.send("We are a museum in Lyon and want to donate photos under CC BY-SA")
    before = chat.slots()
    asked = before["requested_slot"]
    kept = ("partnership_type", "organization_type", "country", "licence")
    assert asked and before["language"] == "en" and before["country"] == "FR"
    turn = chat.send("¿Podemos hablar en español, por favor?")
    after = chat.slots()
    assert (after["language"], after["language_source"]) == ("es", "partner")
    assert after["requested_slot"] == asked, "the form asks the same question again"
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    assert _in_language([r["text"] for r in turn.replies if r.get("text")], "es") == 1.0, turn.replies
    # The widget's picker sends the intent with the language as its payload.
    turn = chat.send('/switch_language{"content_language": "fr"}')
    assert chat.slots()["language"] == "fr"
    assert {k: chat.slots()[k] for k in kept} == {k: before[k] for k in kept}
    assert _in_language([r["text"] for r in turn.replies if r.get("text")], "fr") == 1.0, turn.replies


def test_the_affiliate_gets_the_partners_own_words_with_their_language(stack, peers):
    receiver, smtp = peers
    _, _, scenario = next(s for s in SCENARIOS if s[0] == "es")
    answers = scenario["answers"]
    chat = Conversation(stack.rasa_url, stack.rasa_admin_token, f"i18n-{uuid.uuid4().hex[:12]}",
                        metadata={"language": "es"})
    reference = chat.complete_intake(scenario["opening"], answers, confirm=answers["consent"])
    assert reference, chat.transcript()
    hooks = receiver.wait_for(lambda r: (json.loads(r.body).get("inquiry") or {}).get("reference") == reference)
    assert hooks, "no webhook arrived"
    body = json.loads(hooks[0].body)
    inquiry = body["inquiry"]
    opening = " ".join(scenario["opening"].split())
    assert inquiry["language"] == "es" and body["opening"] == opening
    assert inquiry["description"] in (answers["project_description"], opening)
    mails = smtp.wait_for(lambda m: reference in (m["Subject"] or ""))
    assert mails, "no e-mail arrived"
    part = next(p for p in mails[0].walk() if p.get_content_type() == "text/plain")
    plain = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    assert "the partner's words, in Spanish (es)" in plain and inquiry["description"] in plain
