"""Holds a conversation with the real Rasa server over REST, answering whatever the form asks.

The driver reads `requested_slot` from Rasa's tracker API (`token`: the stack's admin JWT, sent
in a header, never in the URL; `Stack.rasa_admin_token`) after each message and answers from a
scenario's answers, so a scenario states facts, not a fixed script. Used by the end-to-end tests
and by `make bench`.
"""
from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from dataclasses import dataclass, field

REFERENCE = re.compile(r"\bWMP-[0-9A-Z]{4,}\b")


@dataclass
class Turn:
    sent: str
    replies: list[dict]
    seconds: float

    @property
    def text(self) -> str:
        return "\n".join(r.get("text", "") for r in self.replies)


def session_key(name: str) -> str:
    """A partner's secret session key (DESIGN.md: 32-128 of [A-Za-z0-9_-]) that starts with a
    readable `name`, so that a failing test's logs say which test it was."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", name)[:80]
    return f"{readable}-{uuid.uuid4().hex}"


@dataclass
class Conversation:
    rasa_url: str
    token: str
    #: The partner's session key, sent as `sender`; `conversation_id` is what the server derives.
    sender: str
    metadata: dict = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    conversation_id: str = ""
    #: Where Rasa's HTTP API is when it is not at `rasa_url` (behind HAProxy the public address
    #: serves only the channels; tests and benches read trackers at the internal one).
    api_url: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,128}", self.sender):
            self.sender = session_key(self.sender)

    def send(self, message: str) -> Turn:
        body = json.dumps({"sender": self.sender, "message": message, "metadata": self.metadata}).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.loads(response.read() or b"[]")
        turn = Turn(message, replies, time.perf_counter() - started)
        self.turns.append(turn)
        self.conversation_id = next((r["recipient_id"] for r in replies if r.get("recipient_id")),
                                    self.conversation_id)
        return turn

    def tracker(self) -> dict:
        api = self.api_url or self.rasa_url
        return get_json(f"{api}/conversations/{self.conversation_id}/tracker?include_events=NONE", self.token)

    def slots(self) -> dict:
        return self.tracker()["slots"]

    def complete_intake(self, opening: str, answers: dict[str, str], *, max_turns: int = 25,
                        confirm: str = "yes") -> str | None:
        """Open with `opening`, answer every question, accept the summary with `confirm`; return
        the reference."""
        self.send(opening)
        offered = False
        for _ in range(max_turns):
            slots = self.slots()
            asked = slots.get("requested_slot")
            if asked:
                if asked not in answers:
                    raise AssertionError(f"unexpected question {asked!r}; transcript:\n{self.transcript()}")
                self.send(answers[asked])
                continue
            if slots.get("stage") == "summary":
                turn = self.send(confirm)
                found = REFERENCE.search(turn.text)
                return found.group(0) if found else None
            if slots.get("stage") == "submitted":
                return slots.get("reference")
            if slots.get("stage") == "offered" and not offered:
                # "Would you like to start a partnership inquiry?": a partner says yes.
                offered = True
                self.send("/start_intake")
                continue
            raise AssertionError(f"the intake stalled; transcript:\n{self.transcript()}")
        raise AssertionError(f"no summary after {max_turns} turns; transcript:\n{self.transcript()}")

    def transcript(self) -> str:
        return "\n".join(f"> {t.sent}\n< {t.text}" for t in self.turns)


def get_json(url: str, token: str) -> dict | list:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
