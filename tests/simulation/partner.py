"""One simulated partner talking with the real assistant over REST, and the invariants checked
on the whole conversation.

The partner reads what the assistant is asking (its `requested_slot` and `stage`, from Rasa's
tracker API, as the acceptance harness does) and answers in its own words from the phrase bank.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from bot.intake import conversation
from bot.intake.model import Inquiry
from tests.simulation.personas import (
    REGION_NAMES,
    WITH_LANGUAGE,
    Persona,
    _count,
    country_name,
    language_name,
)
from tests.simulation.phrases import bank, fill, hurried

#: Turns after which a conversation that has not ended counts as stuck.
MAX_TURNS = 40
#: A question asked more often than this breaks the invariant.
MAX_ASKS = 3
CLOSED = ("partnership_type", "organization_type", "country", "region", "content_language", "licence")


@dataclass
class Endpoints:
    rasa_url: str
    console_url: str
    #: The console API's bearer token (INTAKE_API_TOKEN) and the JWT of Rasa's HTTP API.
    token: str
    rasa_token: str
    #: The conversation id the server derived for each sender (REST replies' `recipient_id`).
    conversations: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def session_key(sender: str) -> str:
        """The secret session key a partner's client sends for `sender` (DESIGN.md: 32-128 of
        [A-Za-z0-9_-]); the readable name first, so transcripts say who it was."""
        return f"{sender}-{hashlib.sha256(sender.encode()).hexdigest()[:32]}"

    def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": self.session_key(sender), "message": text}).encode()
        request = urllib.request.Request(f"{self.rasa_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.loads(response.read() or b"[]")
        for reply in replies:
            if reply.get("recipient_id"):
                self.conversations[sender] = reply["recipient_id"]
        return replies

    def conversation_id(self, sender: str) -> str:
        return self.conversations.get(sender, "")

    def slots(self, sender: str) -> dict[str, Any]:
        # Rasa's HTTP API takes its own admin JWT, in a header (integrations/stack/rasa_server.py).
        request = urllib.request.Request(
            f"{self.rasa_url}/conversations/{self.conversation_id(sender)}/tracker?include_events=NONE",
            headers={"Authorization": f"Bearer {self.rasa_token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["slots"]

    def inquiries(self, sender: str) -> list[dict[str, Any]]:
        request = urllib.request.Request(f"{self.console_url}/api/inquiries?conversation_id={self.conversation_id(sender)}",
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            found = json.loads(response.read())
        return found["items"] if isinstance(found, dict) else found


@dataclass
class Turn:
    sent: str
    replies: list[dict[str, Any]]
    slots: dict[str, Any]
    seconds: float

    @property
    def text(self) -> str:
        return " | ".join(r.get("text") or "" for r in self.replies)


@dataclass
class Outcome:
    persona: Persona
    turns: list[Turn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    completed: bool = False
    fields_right: bool = False
    asked_description: bool = False

    @property
    def partner_messages(self) -> int:
        return len(self.turns)

    def transcript(self) -> str:
        lines = [f"# {self.persona.sender} ({self.persona.language}, {self.persona.opening_style} opening): "
                 + "; ".join(self.problems)]
        for turn in self.turns:
            lines.append(f"> {turn.sent}")
            lines.append(f"< {turn.text[:400]}")
            lines.append(f"  [asked={turn.slots.get('requested_slot')} stage={turn.slots.get('stage')}]")
        return "\n".join(lines)


class Partner:
    def __init__(self, persona: Persona, endpoints: Endpoints, *, error_texts: set[str], router) -> None:
        self.p = persona
        self.endpoints = endpoints
        self.rng = random.Random(f"{persona.seed}-{persona.number}")
        self.bank = bank(persona.language)
        self.english = bank("en")
        self.error_texts = error_texts
        self.router = router
        self.outcome = Outcome(persona)
        self.asks: dict[str, int] = {}
        self.done: set[str] = set()  # behaviours already acted out
        self.said_wrong: set[str] = set()
        self.stated_wish = False
        self.opening = ""
        self.started_at = 0  # the turn after which the intake had started

    # -- words -------------------------------------------------------------------------------
    def pick(self, key: str, *, english: bool = False) -> str:
        node: Any = self.english if english else self.bank
        for part in key.split("."):
            node = node[part]
        return self.rng.choice(node)

    def chatter(self, text: str) -> str:
        roll = self.rng.random()
        if roll < 0.12:
            return f"{self.pick('chatter_before')} {text}"
        if roll < 0.2:
            return f"{text} {self.pick('chatter_after')}"
        return text

    def country_words(self, code: str, *, english: bool = False) -> str:
        language = "en" if english else self.p.language
        template = self.pick("country_answer", english=english)
        return fill(template, language, country=country_name(code, language), city=self.p.city)

    def value_words(self, slot: str, value: str, *, english: bool = False) -> str:
        """How the partner says `value` as the answer to question `slot`."""
        if slot == "country":
            return self.country_words(value, english=english)
        if slot == "organization_type":
            return self.pick(f"organization_types.{value}.answer", english=english)
        if slot == "content_language":
            return fill(self.pick("language_answer"), self.p.language, language=language_name(value, self.p.language))
        if slot == "licence":
            return self.pick(f"licence.{value}.answer", english=english)
        if slot == "partnership_type":
            return self.pick(f"wishes.{value}.answer", english=english)
        raise ValueError(slot)

    def field_words(self, slot: str, value: str) -> str:
        """A value as it reads inside a correction sentence."""
        if slot == "country":
            return country_name(value, self.p.language)
        if slot == "content_language":
            return language_name(value, self.p.language)
        if slot == "organization_type":
            return self.pick(f"organization_types.{value}.answer")
        return self.pick(f"licence.{value}.answer")

    def wish_opening(self) -> str:
        """A sentence stating the wish, never one that names another kind of organisation than
        the partner's ("our foundation ..." from a company)."""
        options = [o for o in self.bank["wishes"][self.p.partnership_type]["opening"] if not self.names_other_kind(o)]
        return fill(self.rng.choice(options or self.bank["wishes"][self.p.partnership_type]["opening"]),
                    self.p.language, count=_count(self.rng, self.p.language))

    def names_other_kind(self, text: str) -> bool:
        """Whether `text` holds a word that only other organisation types of the bank use."""
        def stems_of(kind: str) -> set[str]:
            entry = self.bank["organization_types"][kind]
            return {w.strip(",.").casefold()[:4] for phrase in entry["answer"] + entry["self"] + entry["names"]
                    for w in phrase.split() if len(w) >= 5 and "{" not in w}
        mine = stems_of(self.p.organization_type)
        others = set().union(*(stems_of(k) for k in self.bank["organization_types"] if k != self.p.organization_type))
        said = {w.strip(",.").casefold()[:4] for w in re.split(r"[\s'’]+", text) if len(w) >= 4}
        return bool(said & (others - mine))

    def place(self) -> str:
        roll = self.rng.random()
        if roll < 0.6:
            return f"{self.p.city}, {country_name(self.p.country, self.p.language)}" if self.p.country else self.p.city
        if roll < 0.85 or not self.p.country:
            return self.p.city
        return country_name(self.p.country, self.p.language)

    def first_messages(self) -> list[str]:
        p = self.p
        if p.opening_style == "bare":
            return [self.pick("bare_openings")]
        if p.opening_style == "greeting":
            wish = self.wish_opening()
            if self.rng.random() < 0.5:
                return [self.pick("greetings"), wish[:1].upper() + wish[1:]]
            return [f"{self.pick('greetings')} {wish[:1].upper() + wish[1:]}"]
        licence = ""
        if p.licence and p.partnership_type in ("content_donation", "data_donation") and p.licence in self.bank["licence"]:
            licence = self.pick(f"licence.{p.licence}.in_text")
        template = self.pick("rich_openings")
        if "{licence}" in template and not licence:
            template = self.pick("rich_openings")
            while "{licence}" in template:
                template = self.pick("rich_openings")
        text = fill(template, p.language, greeting=self.pick("greetings"),
                    self=self.pick(f"organization_types.{p.organization_type}.self"),
                    place=self.place(), wish=self.wish_opening(), licence=licence)
        return [text[:1].upper() + text[1:]]

    # -- answers -----------------------------------------------------------------------------
    def answer(self, slot: str, slots: dict[str, Any]) -> str:
        p = self.p
        asked_before = self.asks.get(slot, 0) > 1
        if slot == p.question_back and "question" not in self.done:
            self.done.add("question")
            options = list(self.bank["questions_back"]["any"]) + list(self.bank["questions_back"].get(slot) or [])
            return self.rng.choice(options)
        if slot == p.invalid_first and "invalid" not in self.done:
            self.done.add("invalid")
            return self.pick(f"invalid.{slot}")
        if slot == p.dont_know:
            # The partner does not know, and keeps saying so however often it is asked.
            self.done.add("dont_know")
            return self.pick("dont_know")
        if slot in p.wrong and slot not in self.said_wrong:
            self.said_wrong.add(slot)
            return self.value_words(slot, p.wrong[slot])
        english = slot == p.english_answer and not asked_before
        careful = asked_before  # after a miss, partners answer plainly and carefully
        if slot == "partnership_type":
            text = self.value_words(slot, p.partnership_type)
        elif slot == "organization_name":
            return p.organization_name
        elif slot == "organization_type":
            text = self.value_words(slot, p.organization_type, english=english)
        elif slot == "country":
            if p.country is None:
                text = self.pick("international_answer")
            else:
                text = self.value_words(slot, p.country, english=english)
        elif slot == "region":
            text = fill(self.pick("region_answer"), p.language, region=REGION_NAMES.get(p.region or "", p.city))
        elif slot == "content_language":
            if p.several_languages and "several" not in self.done:
                self.done.add("several")
                other = next(c for c in ("en", "fr", "es", "ca") if c != p.content_language)
                return fill(self.pick("several_languages"), p.language,
                            language=language_name(p.content_language, p.language),
                            other_language=language_name(other, p.language))
            text = self.value_words(slot, p.content_language)
        elif slot == "licence":
            text = self.value_words(slot, p.licence or "cc0")
        elif slot == "project_description":
            self.outcome.asked_description = True
            return p.description
        elif slot == "consent":
            text = self.pick("consent_yes" if p.consent else "consent_no")
        elif slot == "contact_name":
            if p.name_and_email:
                return fill(self.pick("name_and_email"), p.language, name=p.contact_name, email=p.contact_email)
            text = fill(self.pick("name_answer"), p.language, name=p.contact_name)
            return text
        elif slot == "contact_email":
            return fill(self.pick("email_answer"), p.language, email=p.contact_email)
        elif slot == "field":
            target = p.summary_correction or "country"
            return self.pick(f"field_names.{target}")
        else:
            raise AssertionError(f"unknown question {slot}")
        if careful:
            return text
        text, _ = hurried(self.chatter(text), self.rng, typo_rate=p.typo_rate)
        return text

    def correction(self, slot: str, where: str) -> str:
        template = self.pick(f"corrections.{where}")
        return fill(template, self.p.language, field=self.pick(f"field_names.{slot}"),
                    old=self.field_words(slot, self.p.wrong[slot]), new=self.field_words(slot, self.intended_value(slot)))

    def intended_value(self, slot: str) -> str:
        p = self.p
        return {"country": p.country, "organization_type": p.organization_type,
                "content_language": p.content_language, "licence": p.licence}[slot] or ""

    # -- the conversation --------------------------------------------------------------------
    def say(self, text: str) -> Turn:
        started = time.perf_counter()
        try:
            replies = self.endpoints.send(self.p.sender, text)
        except (urllib.error.URLError, OSError, ValueError) as error:
            replies = []
            self.outcome.problems.append(f"request failed: {error}")
        slots = self.endpoints.slots(self.p.sender)
        turn = Turn(text, replies, slots, time.perf_counter() - started)
        self.outcome.turns.append(turn)
        if not self.started_at and (slots.get("requested_slot") or slots.get("stage") == "summary"):
            self.started_at = len(self.outcome.turns) - 1
        self.check_turn(turn)
        return turn

    def check_turn(self, turn: Turn) -> None:
        texts = [r.get("text") or "" for r in turn.replies]
        if not any(t.strip() for t in texts) and not any(r.get("buttons") for r in turn.replies):
            self.outcome.problems.append(f"no reply to {turn.sent!r}")
        if any(t in self.error_texts for t in texts):
            self.outcome.problems.append(f"apology for an error after {turn.sent!r}")
        slots = turn.slots
        for slot in conversation.CORRECTABLE:
            if not conversation.is_valid(slot, slots.get(slot), slots):
                self.outcome.problems.append(f"invalid {slot}={slots.get(slot)!r} after {turn.sent!r}")
        asked = slots.get("requested_slot")
        offered_skip = any(b.get("payload") == "skip" for r in turn.replies for b in r.get("buttons") or [])
        if asked and not offered_skip:
            self.asks[asked] = self.asks.get(asked, 0) + 1
            if self.asks[asked] == MAX_ASKS + 1:
                self.outcome.problems.append(f"question {asked} asked more than {MAX_ASKS} times")

    def run(self) -> Outcome:
        p = self.p
        messages = self.first_messages()
        self.opening = messages[-1]
        turn = None
        for message in messages:
            turn = self.say(message)
        idle = 0
        question_sent: tuple[str, str] | None = None
        while turn is not None and len(self.outcome.turns) < MAX_TURNS:
            slots = turn.slots
            if question_sent:  # a question back must never become the answer
                asked_then, text = question_sent
                if slots.get(asked_then) is not None or text in {str(v) for v in slots.values()}:
                    self.outcome.problems.append(f"the question {text!r} was stored as an answer")
                question_sent = None
            asked, stage = slots.get("requested_slot"), slots.get("stage")
            if stage == "submitted" and not asked:
                break
            if asked:
                idle = 0
                mid = p.mid_form_correction
                if mid and mid in self.said_wrong and "mid" not in self.done and asked != mid:
                    self.done.add("mid")
                    turn = self.say(self.correction(mid, "mid_form"))
                    continue
                was_question = asked == p.question_back and "question" not in self.done
                text = self.answer(asked, slots)
                turn = self.say(text)
                if was_question:
                    question_sent = (asked, text)
                continue
            if stage == "summary":
                idle = 0
                fix = p.summary_correction
                if fix and fix in self.said_wrong and "summary" not in self.done:
                    self.done.add("summary")
                    turn = self.say(self.correction(fix, "summary"))
                    continue
                turn = self.say(self.pick("confirm_summary"))
                continue
            if stage == "offered":
                turn = self.say(self.pick("consent_yes"))
                idle += 1
            else:
                # The intake has not started (or ended): say again what we want.
                idle += 1
                turn = self.say(self.wish_opening() if idle % 2 else self.pick(f"wishes.{p.partnership_type}.answer"))
            if idle > 3:
                self.outcome.problems.append("the intake never started")
                break
        else:
            if turn is not None and len(self.outcome.turns) >= MAX_TURNS:
                self.outcome.problems.append(f"no end after {MAX_TURNS} messages")
        self.check_result()
        return self.outcome

    def check_result(self) -> None:
        try:
            stored = self.endpoints.inquiries(self.p.sender)
        except (urllib.error.URLError, OSError, ValueError) as error:
            self.outcome.problems.append(f"could not read the inquiry: {error}")
            return
        if len(stored) != 1:
            self.outcome.problems.append(f"{len(stored)} inquiries stored")
            return
        self.outcome.completed = True
        inquiry = stored[0]
        wrong = compare(inquiry, self.expected(inquiry))
        expected_route = self.expected_route(inquiry.get("description"))
        routed = (inquiry.get("routing") or {}).get("affiliate_id")
        if routed != expected_route:
            wrong.append(f"routed to {routed}, the routing engine gives {expected_route}")
        self.outcome.problems += wrong
        self.outcome.fields_right = not wrong

    def expected(self, inquiry: dict[str, Any]) -> dict[str, Any]:
        want = self.p.intended(said_dont_know="dont_know" in self.done)
        if self.outcome.asked_description:
            want["description"] = self.p.description
        else:
            # The description question was skipped: a message from before the intake started,
            # which already described the project, is the description.
            said = {" ".join(t.sent.split()).casefold() for t in self.outcome.turns[: self.started_at + 1]}
            stored = " ".join(str(inquiry.get("description") or "").split()).casefold()
            want["description"] = inquiry.get("description") if stored in said else self.opening
        return want

    def expected_route(self, description: str | None) -> str:
        """What the routing engine gives for the intended values (topics come from the words)."""
        want = self.p.intended(said_dont_know="dont_know" in self.done)
        slots = {
            "partnership_type": want["partnership_type"], "organization_name": self.p.organization_name,
            "organization_type": self.p.organization_type, "country": want["country"], "region": want["region"],
            "content_language": want["content_language"], "licence": want["licence"],
            "project_description": description, "consent": self.p.consent, "language": self.p.language,
        }
        return self.router.route(Inquiry.from_slots(self.p.sender, slots), accepted_affiliate=None).affiliate_id


def compare(inquiry: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The fields of the stored inquiry that differ from what the partner meant."""
    wrong = []
    for key, value in want.items():
        got = inquiry.get(key)
        if isinstance(value, dict):
            for sub, expected in value.items():
                found = (got or {}).get(sub)
                if _norm(found) != _norm(expected):
                    wrong.append(f"{key}.{sub} is {found!r}, meant {expected!r}")
        elif _norm(got) != _norm(value):
            wrong.append(f"{key} is {got!r}, meant {value!r}")
    return wrong


def _norm(value: Any) -> Any:
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


__all__ = ["Endpoints", "Outcome", "Partner", "WITH_LANGUAGE", "CLOSED"]
