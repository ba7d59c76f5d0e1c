"""`make bench-console`: the console's pages with 50,000 inquiries and 500,000 tracker events in
PostgreSQL, timed through the real app (aiohttp test server) as a staff and an affiliate user.

Seeds a scratch schema (`bench_console`, or --schema; dropped at the end unless --keep), then
requests each page 2 times to warm up and 20 times to measure, printing p50 / p95 in ms.

Then the dashboard's conversation numbers (its part that reads Rasa's events, cached 60 s by the
page, so timed here as functions): from the events, and from the analytics consumer's
`conversation_stats` (INTAKE_RABBITMQ_URL), after timing the table's rebuild from the events.
`--conversations-only` skips the pages.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from console_helpers import add_accounts, console_client, log_in  # noqa: E402
from rasa_events import create_events_table  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.store import make_engine, make_sessionmaker, upgrade  # noqa: E402
from bot.store.names import normalize_org_name  # noqa: E402
from bot.store.rasa_events import events  # noqa: E402
from bot.store.tables import inquiries, organizations, routing_decisions, status_history  # noqa: E402

SCHEMA = "bench_console"
INQUIRIES, EVENTS = 50_000, 500_000
AFFILIATES = ["wm-fr", "wikiedu", "wmde", "wm-es", "amical", "wmf-partnerships", "ug-nga", "wmuk", "wmch", "wmit"]
TYPES = ["content_donation", "data_donation", "education", "event", "technology", "research", "funding", "media"]
COUNTRIES = ["FR", "US", "DE", "ES", "NG", "GB", "CH", "IT", "BR", "KE", "IN", "MX"]
KINDS = ["museum", "library", "archive", "university", "nonprofit", "company", "government"]
SLOTS = ["partnership_type", "organization_name", "organization_type", "country", "content_language", "licence",
         "project_description", "consent", "contact_email"]


def seed(url: str) -> None:
    rng = random.Random(7)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    with engine.begin() as connection:
        orgs, rows, decisions, history, evs = [], [], [], [], []
        conversations = int(INQUIRIES * 1.1)
        per_conversation = -(-EVENTS // conversations)  # at least EVENTS in all
        for i in range(1, conversations + 1):
            created = now - timedelta(seconds=rng.randrange(0, 364 * 86400))
            t = created.timestamp()
            sender = f"bench-{i:06d}"
            has_inquiry = i <= INQUIRIES
            evs.append({"sender_id": sender, "type_name": "session_started", "timestamp": t, "intent_name": None,
                        "action_name": None, "data": json.dumps({"event": "session_started", "timestamp": t})})
            for k in range(per_conversation - 1):
                t += rng.uniform(3, 40)
                if k % 3 == 0:
                    intent = "nlu_fallback" if rng.random() < 0.08 else rng.choice(["inform", "start_intake", "affirm"])
                    data = {"event": "user", "timestamp": t, "text": f"message {k} about a museum",
                            "parse_data": {"intent": {"name": intent, "confidence": 0.8}, "entities": []}}
                    evs.append({"sender_id": sender, "type_name": "user", "timestamp": t, "intent_name": intent,
                                "action_name": None, "data": json.dumps(data)})
                elif k == 1:
                    evs.append({"sender_id": sender, "type_name": "active_loop", "timestamp": t, "intent_name": None,
                                "action_name": None, "data": json.dumps({"event": "active_loop", "name": "intake_form"})})
                elif k % 3 == 1:
                    data = {"event": "slot", "timestamp": t, "name": "requested_slot", "value": SLOTS[min(k // 3, 8)]}
                    evs.append({"sender_id": sender, "type_name": "slot", "timestamp": t, "intent_name": None,
                                "action_name": None, "data": json.dumps(data)})
                else:
                    evs.append({"sender_id": sender, "type_name": "bot", "timestamp": t, "intent_name": None,
                                "action_name": None, "data": json.dumps({"event": "bot", "text": "What is the name?"})})
            if not has_inquiry:
                continue
            country = rng.choice(COUNTRIES)
            name = f"{rng.choice(['Musée', 'Museum', 'Library', 'Archive', 'Institute'])} {i}"
            orgs.append({"id": i, "name": name, "normalized_name": normalize_org_name(name), "type": rng.choice(KINDS),
                         "country": country, "created_at": created})
            description = "Photographs of the collection" if i % 7 else "a museum course"
            status = rng.choices(["routed", "accepted", "declined", "closed", "deflected"], [40, 35, 5, 15, 5])[0]
            rows.append({"id": i, "reference": f"WMP-{i:08X}", "conversation_id": sender, "status": status,
                         "created_at": created, "language": rng.choice(["en", "en", "es", "fr", "de", "pt", "ar"]),
                         "partnership_type": rng.choice(TYPES), "organization_id": i, "country": country,
                         "description": description, "description_folded": normalize_org_name(description),
                         "consent": i % 3 != 0, "tier": rng.choice(["qualified", "qualified", "needs_review"]),
                         "qualification_reasons": ["seeded"], "contact_email": "x@example.org"})
            first = rng.choice(AFFILIATES)
            rerouted = i % 10 == 0
            decisions.append({"inquiry_id": i, "affiliate_id": first, "rule": "country:chapter", "reasons": ["seeded"],
                              "alternatives": ["wmf-partnerships"], "created_at": created, "is_current": not rerouted,
                              "response_due_at": created + timedelta(days=7)})
            history.append({"inquiry_id": i, "from_status": None, "to_status": "routed", "actor": "assistant",
                            "created_at": created})
            if rerouted:
                decisions.append({"inquiry_id": i, "affiliate_id": "wmf-partnerships", "rule": "reroute",
                                  "reasons": ["seeded"], "alternatives": [], "created_at": created, "is_current": True,
                                  "response_due_at": created + timedelta(days=7)})
            if status == "accepted":
                history.append({"inquiry_id": i, "from_status": "routed", "to_status": "accepted", "actor": first,
                                "created_at": created + timedelta(hours=rng.uniform(2, 24 * 14))})
        for table, values in ((organizations, orgs), (inquiries, rows), (routing_decisions, decisions),
                              (status_history, history), (events, evs)):
            for start in range(0, len(values), 10_000):
                connection.execute(insert(table), values[start:start + 10_000])
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"seeded {len(rows):,} inquiries, {len(evs):,} events in {time.perf_counter() - started:.0f} s", flush=True)


async def measure(url: str) -> None:
    engine = make_engine(url)
    add_accounts(make_sessionmaker(engine), {"staff@bench.example": None, "fr@bench.example": "wm-fr"})
    engine.dispose()
    pages = ["/console/", "/console/inquiries?needs=overdue", "/console/inquiries?needs=answer", "/console/inquiries", "/console/inquiries?q=museum&status=routed",
             "/console/inquiries?q=MUSEE", "/console/inquiries?q=collection", "/console/inquiries?q=musee+photographs+lyon",
             "/console/inquiries?sort=organisation&page=40", "/console/organisations", "/console/organisations?q=musee",
             "/console/inquiries/WMP-00000064", "/console/dashboard", "/console/conversations",
             "/console/conversations?outcome=abandoned", "/console/inquiries.csv?country=FR"]
    for who in ("staff@bench.example", "fr@bench.example"):
        client = await console_client(url)
        try:
            await log_in(client, who)
            for path in pages:
                times, cold = [], 0.0
                for run in range(22):
                    began = time.perf_counter()
                    response = await client.get(path)
                    await response.read()
                    if run == 0:
                        cold = (time.perf_counter() - began) * 1000
                    if run >= 2:
                        times.append((time.perf_counter() - began) * 1000)
                    if response.status not in (200, 404):
                        raise SystemExit(f"{path}: HTTP {response.status}")
                times.sort()
                print(f"{who.split('@')[0]:<6} {path:<48} p50 {statistics.median(times):7.1f} ms  "
                      f"p95 {times[int(0.95 * (len(times) - 1))]:7.1f} ms  first {cold:7.1f} ms  ({response.status})",
                      flush=True)
        finally:
            await client.close()


def measure_conversation_numbers(url: str) -> None:
    from bot.store.console.stats import conversation_part, drop_off_part, window
    from bot.store.conversation_stats import rebuild

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    began = time.perf_counter()
    with sessions.begin() as session:
        rows = rebuild(session=session)
    print(f"conversation_stats rebuilt from the events: {rows:,} rows in {time.perf_counter() - began:.1f} s", flush=True)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE conversation_stats")
    labels, since = window(12)
    results = {}
    for tallied in (False, True):
        times = []
        for run in range(7):
            began = time.perf_counter()
            with sessions() as session:
                numbers = (conversation_part(session=session, labels=labels, since=since, tallied=tallied),
                           drop_off_part(session=session, since=since, tallied=tallied))
            if run >= 2:
                times.append((time.perf_counter() - began) * 1000)
        results[tallied] = numbers
        print(f"dashboard conversation numbers from {'conversation_stats' if tallied else 'the events':<18} "
              f"p50 {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms", flush=True)
    print("same numbers from both:", results[False] == results[True], flush=True)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the seeded schema")
    parser.add_argument("--reuse", action="store_true", help="measure a schema kept by an earlier --keep run")
    parser.add_argument("--schema", default=SCHEMA, help=f"the scratch schema (default {SCHEMA})")
    parser.add_argument("--conversations-only", action="store_true", help="only the dashboard's conversation numbers")
    args = parser.parse_args()
    schema = args.schema
    base = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = make_engine(base)
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    if not args.reuse:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        if not args.reuse:
            upgrade(url)
            engine = make_engine(url)
            create_events_table(engine)
            engine.dispose()
            seed(url)
        if not args.conversations_only:
            asyncio.run(measure(url))
        measure_conversation_numbers(url)
    finally:
        if not args.keep:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
