"""Flagged partner messages as Rasa NLU training data (YAML), ready to add under data/nlu/<lang>/.

Entities use Rasa's inline annotation: `[Lyon](city)`, or `[the UK]{"entity": "country",
"value": "GB"}` when the value differs from the words. Pure; no database.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bot.i18n.wording import Refusal, Wording

ANNOTATION = re.compile(r"\[([^\[\]]+)\]\(([a-z_]+)\)")


class AnnotationError(Refusal):
    """An annotated message that does not match the original or names an unknown entity (the
    console shows why in its viewer's language)."""


def parse_annotated(annotated: str, *, original: str, entity_names: Iterable[str]) -> list[dict[str, Any]]:
    """Entities of `annotated` ("We are in [Lyon](city)"); the words must be `original`'s."""
    known = set(entity_names)
    entities, plain, last = [], [], 0
    for match in ANNOTATION.finditer(annotated):
        plain.append(annotated[last:match.start()])
        start = sum(len(p) for p in plain)
        words, entity = match.group(1), match.group(2)
        if entity not in known:
            raise AnnotationError(Wording("unknown entity %(entity)s; known: %(known)s"), entity=repr(entity),
                                  known=", ".join(sorted(known)))
        plain.append(words)
        entities.append({"start": start, "end": start + len(words), "entity": entity, "value": words})
        last = match.end()
    plain.append(annotated[last:])
    if "".join(plain) != original:
        raise AnnotationError(Wording("the annotated text must be the partner's message with [words](entity) marks added"))
    return entities


def annotate(text: str, entities: Iterable[dict[str, Any]]) -> str:
    """`text` with its entities marked in Rasa's inline syntax."""
    out, last = [], 0
    for entity in sorted(entities, key=lambda e: int(e["start"])):
        start, end = int(entity["start"]), int(entity["end"])
        if start < last or end > len(text) or start >= end:
            continue  # overlapping or out of range: leave the words unmarked
        words = text[start:end]
        out.append(text[last:start])
        if str(entity.get("value", words)) == words:
            out.append(f"[{words}]({entity['entity']})")
        else:
            out.append(f"[{words}]" + json.dumps({"entity": entity["entity"], "value": entity["value"]},
                                                  ensure_ascii=False))
        last = end
    out.append(text[last:])
    return "".join(out)


def nlu_yaml(flags: Iterable[dict[str, Any]]) -> str:
    """Rasa NLU YAML (version 3.1) of flags {text, correct_intent, entities}, grouped by intent."""
    by_intent: dict[str, list[str]] = {}
    for flag in flags:
        line = " ".join(annotate(flag["text"], flag.get("entities") or []).split())
        if line and line not in by_intent.setdefault(flag["correct_intent"], []):
            by_intent[flag["correct_intent"]].append(line)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in by_intent[intent]]
    return "\n".join(lines) + "\n"
