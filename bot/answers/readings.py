"""What reading a partner's message gives: the message as the actions see it, and the reading
(its kind, the slot values, the notes to say). Pure."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

#: An intent counts when the classifier is at least this sure.
CONFIDENT = 0.6
#: Questions answered in words from a list or a value table.
CLOSED = frozenset({
    "partnership_type", "organization_type", "country", "region", "content_language", "licence",
    "consent", "contact_email",
})
#: Questions whose values a partner's own question may name ("what's the difference between CC BY
#: and CC BY-SA?"): there a question is not an answer even when it names a value.
ASKABLE = frozenset({"partnership_type", "organization_type", "country", "content_language", "licence"})
#: Free-text answers: any plain text is the answer.
FREE_TEXT = frozenset({"organization_name", "project_description", "contact_name"})
#: Free-text answers that are names: a correction said there names the answer it replaces.
NAMES = frozenset({"organization_name", "contact_name"})


class Kind(str, Enum):
    ANSWER = "answer"  # values for the question (and maybe for empty ones beside it)
    DEFAULT = "default"  # "I don't know" where the question has a default: it is taken
    SKIP = "skip"  # the partner skips the question
    QUESTION = "question"  # a question back: answered, the slot stays empty, asked again
    CORRECTION = "correction"  # a change to an earlier answer
    CONTROL = "control"  # a command or a known question: the dialogue rules handle it
    MISS = "miss"  # not an answer we can read


@dataclass(frozen=True)
class Note:
    """Something to tell the partner: a response name and its parameters."""

    response: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """A partner message as the actions see it."""

    text: str
    language: str = "en"
    intent: str | None = None
    confidence: float = 0.0
    #: Values given by a button (`/inform{"country": "FR"}`), by entity name.
    payload: Mapping[str, Any] = field(default_factory=dict)
    #: The partner sent the same text to the same question just before: whatever the classifier
    #: says, it is their answer, not a command to obey a second time.
    repeated: bool = False

    @property
    def confident_intent(self) -> str | None:
        return self.intent if self.confidence >= CONFIDENT else None

    @property
    def is_button(self) -> bool:
        return self.text.startswith("/")


@dataclass(frozen=True)
class Reading:
    kind: Kind
    values: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()


# -- one slot at a time -----------------------------------------------------------------------
