"""The intake funnel as Prometheus counters, counted where Rasa saves a conversation.

- `intake_conversations_started_total{language}`: a conversation's first events are saved (no
  event of it was stored before);
- `intake_inquiries_submitted_total{language}`: the saved events give the conversation its
  inquiry reference (`reference` slot), once per inquiry: the idempotent second yes, which
  repeats the reference, sets nothing new.

Counted in the Rasa process that saves (the tracker store, integrations/tracker/store.py), so
with several Rasa servers each conversation is counted once, by the server that handled it, and
Prometheus sums the servers. `language` is the conversation's language slot, bounded to the
catalogues' languages (`other` otherwise, or before one is known).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import Counter

from bot.intake.slots import REFERENCE
from integrations.observability.prometheus import language_label

CONVERSATIONS_STARTED = Counter("intake_conversations_started_total", "Conversations started, by language.",
                                ["language"])
INQUIRIES_SUBMITTED = Counter("intake_inquiries_submitted_total", "Inquiries submitted, by language.", ["language"])


def _slot(events: Iterable[Mapping[str, Any]], name: str) -> Any:
    value = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
    return value


def count_saved(*, first: bool, language: object, reference_before: object, new: list[Mapping[str, Any]]) -> None:
    """Count what saving the events `new` (as dicts) means for the funnel: `first` when none of
    the conversation's events was stored before; `language` the conversation's language slot,
    `reference_before` its reference slot before `new`."""
    if not new:
        return
    label = language_label(language)
    if first:
        CONVERSATIONS_STARTED.labels(label).inc()
    reference = _slot(new, REFERENCE)
    if reference and reference != reference_before:
        INQUIRIES_SUBMITTED.labels(label).inc()
