"""Running simulated partners and held-out out-of-scope queries against the stack, and the report.

The out-of-scope queries are CLINC150's validation splits (`val` and `oos_val`, crowd-written
everyday requests; Larson et al., EMNLP 2019, CC BY 3.0): the assistant is never trained on them
(bot/nlp/clinc_sample.py samples `train` only), so they measure what unseen people get.
"""
from __future__ import annotations

import json
import random
import statistics
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n.catalog import load_catalog, supported_languages
from bot.routing import default_router
from tests.simulation.partner import Endpoints, Outcome, Partner
from tests.simulation.personas import personas

CLINC = Path(__file__).resolve().parents[3] / "shared" / "data" / "clinc150" / "train_val.json"


def error_texts() -> set[str]:
    """The channels' apology for a message the dialogue left unanswered, in every language."""
    out = set()
    for language in supported_languages():
        for variation in load_catalog(language).responses.get("utter_error") or []:
            out.add(str(variation["text"]).strip())
    return out


def run_partners(endpoints: Endpoints, *, count: int, seed: int, languages: tuple[str, ...],
                 workers: int = 4) -> list[Outcome]:
    router = default_router()
    errors = error_texts()
    people = personas(count, seed, languages, run=uuid.uuid4().hex[:6])

    def one(persona) -> Outcome:
        return Partner(persona, endpoints, error_texts=errors, router=router).run()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, people))


@dataclass
class OodResult:
    total: int = 0
    started: list[str] = field(default_factory=list)  # queries that started the intake form
    unanswered: list[str] = field(default_factory=list)
    offered: int = 0  # queries answered with the offer to start an inquiry (not a start)


def held_out_queries(limit: int | None, seed: int) -> list[str]:
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    queries = [q for q, _ in data["val"]] + [q for q, _ in data["oos_val"]]
    if limit and limit < len(queries):
        queries = random.Random(seed).sample(queries, limit)
    return queries


def run_out_of_scope(endpoints: Endpoints, *, limit: int | None, seed: int, workers: int = 4) -> OodResult:
    """Each held-out query as the first message of a new conversation: it must get a reply and
    must not start the intake."""
    queries = held_out_queries(limit, seed)
    errors = error_texts()
    run = uuid.uuid4().hex[:6]
    result = OodResult(total=len(queries))

    def one(item: tuple[int, str]) -> tuple[str, bool, bool, bool]:
        number, query = item
        sender = f"ood{run}-{seed}-{number:05d}"
        replies = endpoints.send(sender, query)
        slots = endpoints.slots(sender)
        texts = [r.get("text") or "" for r in replies]
        answered = any(t.strip() for t in texts) and not any(t.strip() in errors for t in texts)
        started = bool(slots.get("requested_slot")) or slots.get("stage") in ("collecting", "summary", "submitted")
        return query, answered, started, slots.get("stage") == "offered"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for query, answered, started, offered in pool.map(one, enumerate(queries)):
            if not answered:
                result.unanswered.append(query)
            if started:
                result.started.append(query)
            result.offered += offered
    return result


def summarise(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per language: partners, completion, completion with every field right, median messages."""
    by_language: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.persona.language].append(outcome)
    if outcomes:
        by_language["all"] = list(outcomes)
    table = {}
    for language, group in by_language.items():
        right = [o for o in group if o.completed and o.fields_right and not o.problems]
        bare = [o.partner_messages for o in right if o.persona.opening_style == "bare"]
        rich = [o.partner_messages for o in right if o.persona.opening_style == "rich"]
        table[language] = {
            "partners": len(group),
            "completed": sum(o.completed for o in group) / len(group),
            "right": len(right) / len(group),
            "median_bare": statistics.median(bare) if bare else float("nan"),
            "median_rich": statistics.median(rich) if rich else float("nan"),
            "median_all": statistics.median([o.partner_messages for o in right]) if right else float("nan"),
        }
    return table


def report(outcomes: list[Outcome], ood: OodResult | None, *, show: int = 20) -> str:
    lines = ["language  partners  completed  all-right  msgs(bare)  msgs(rich)  msgs(all)"]
    table = summarise(outcomes)
    for language in [*sorted(k for k in table if k != "all"), *(["all"] if "all" in table else [])]:
        row = table[language]
        lines.append(f"{language:<9} {row['partners']:>8.0f}  {row['completed']:>8.1%}  {row['right']:>8.1%}"
                     f"  {row['median_bare']:>10}  {row['median_rich']:>10}  {row['median_all']:>9}")
    problems = Counter(p.split(" after ")[0].split(":")[0] for o in outcomes for p in o.problems)
    unanswered = sum(1 for o in outcomes for p in o.problems if p.startswith(("no reply", "apology")))
    too_often = sum(1 for o in outcomes if any("asked more than" in p for p in o.problems))
    lines.append(f"messages without a reply: {unanswered}; partners asked a question more than 3 times: {too_often}")
    if problems:
        lines.append("problems: " + "; ".join(f"{k} ×{v}" for k, v in problems.most_common(12)))
    if ood is not None:
        share = len(ood.started) / ood.total if ood.total else 0.0
        lines.append(f"held-out out-of-scope queries: {ood.total}; started an intake: {len(ood.started)} ({share:.2%}); "
                     f"without a reply: {len(ood.unanswered)}; offered an inquiry: {ood.offered}")
        for query in ood.started[:10]:
            lines.append(f"  started by: {query}")
        for query in ood.unanswered[:10]:
            lines.append(f"  no reply to: {query}")
    failing = [o for o in outcomes if o.problems]
    if failing:
        lines.append(f"\n{len(failing)} failing conversations (first {min(show, len(failing))}):")
        for outcome in failing[:show]:
            lines.append(outcome.transcript())
    return "\n".join(lines)
