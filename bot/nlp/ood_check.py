"""Quick proxy of false intakes: run the held-out CLINC150 queries through a trained model.

Every query of CLINC150's `val` and `oos_val` splits (everyday requests, none of them a
partnership inquiry; never used for training, see bot/nlp/clinc_sample.py) is parsed in-process
by a trained Rasa model. Prints how many get `start_intake` or `inform` (the intents that can
start or feed an intake) with the most confident of them, and the distribution of predicted
intents. The deployed intent is the one after the FallbackClassifier (`nlu_fallback` when the
model is unsure), as the assistant would act on it.

CLI::

    python -m bot.nlp.ood_check --model models/current.tar.gz \\
        [--source ../shared/data/clinc150/train_val.json] [--top 25] [--json out.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.data import ROOT

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "clinc150" / "train_val.json"
SPLITS = ("val", "oos_val")
#: Intents that could start an intake (start_intake) or be taken as a form answer (inform).
INTAKE_INTENTS = ("start_intake", "inform")


@dataclass(frozen=True)
class Parsed:
    split: str
    clinc_intent: str
    text: str
    intent: str  # deployed (nlu_fallback when unsure)
    confidence: float
    classifier: str  # best intent before the fallback threshold
    classifier_confidence: float


def load_queries(source: Path) -> list[tuple[str, str, str]]:
    data = json.loads(source.read_text(encoding="utf-8"))
    return [(split, intent, query) for split in SPLITS for query, intent in data[split]]


async def parse_all(model: str, queries: Sequence[tuple[str, str, str]]) -> list[Parsed]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for split, clinc_intent, text in queries:
        result = await agent.parse_message(text)
        intent = result.get("intent") or {}
        ranking = [r for r in result.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        best = ranking[0] if ranking else intent
        out.append(Parsed(split, clinc_intent, text, intent.get("name") or "nlu_fallback",
                          float(intent.get("confidence") or 0.0), best.get("name") or "nlu_fallback",
                          float(best.get("confidence") or 0.0)))
    return out


def report(parsed: Sequence[Parsed], top: int) -> dict[str, object]:
    total = len(parsed)
    hits = sorted((p for p in parsed if p.intent in INTAKE_INTENTS), key=lambda p: -p.confidence)
    by_intent = Counter(p.intent for p in parsed)
    by_split = {split: sum(1 for p in hits if p.split == split) for split in SPLITS}
    split_sizes = Counter(p.split for p in parsed)
    print(f"{total} held-out CLINC150 queries ({', '.join(f'{s} {split_sizes[s]}' for s in SPLITS)})")
    print(f"start_intake + inform: {len(hits)} / {total} ({len(hits) / max(1, total):.1%}); "
          + ", ".join(f"{i} {by_intent[i]}" for i in INTAKE_INTENTS)
          + "; " + ", ".join(f"{s} {by_split[s]}" for s in SPLITS))
    classifier_hits = sum(1 for p in parsed if p.classifier in INTAKE_INTENTS)
    print(f"(before the fallback threshold: {classifier_hits} / {total})")
    print(f"\nmost confident start_intake / inform (top {min(top, len(hits))}):")
    for p in hits[:top]:
        print(f"  {p.confidence:.2f} {p.intent:<13} [{p.clinc_intent}] {p.text}")
    print("\nCLINC intents most often taken for start_intake / inform:")
    for clinc, n in Counter(p.clinc_intent for p in hits).most_common(15):
        print(f"  {n:4d} {clinc}")
    print("\npredicted intent distribution (deployed):")
    for intent, n in by_intent.most_common():
        print(f"  {intent:<20} {n:5d} {n / max(1, total):6.1%}")
    return {"total": total, "intake_like": len(hits), "by_intent": dict(by_intent), "by_split": by_split,
            "classifier_intake_like": classifier_hits}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a trained Rasa model (.tar.gz)")
    parser.add_argument("--source", default=str(DEFAULT_SOURCE), help="CLINC150 train_val.json")
    parser.add_argument("--top", type=int, default=25, help="how many of the intake-like queries to list")
    parser.add_argument("--json", help="also write the summary and every prediction to this file")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    parsed = asyncio.run(parse_all(args.model, load_queries(Path(args.source))))
    summary = report(parsed, args.top)
    if args.json:
        Path(args.json).write_text(json.dumps({"model": args.model, **summary,
                                               "predictions": [asdict(p) for p in parsed]}, indent=1),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
