"""`make bench-cluster`: `make run-cluster` with 1, 2 and 4 Rasa servers (INTAKE_RASA_SERVERS) in
turn, driven through HAProxy's public port with `make bench`'s load (tests/bench/intake_bench.py:
whole intakes recorded once, then replayed in fresh conversations, only message -> reply round
trips timed) at 10 and 20 concurrent partners. Prints throughput, p50/p95 and the CPU each
message cost across every process of the cluster (Rasa servers, action servers, HAProxy, console,
delivery workers), so that the figures say where adding servers stops paying on this machine.

Each cluster runs on a scratch PostgreSQL schema (INTAKE_TEST_POSTGRES_URL) and a Redis of its
own on a free port; nothing is left behind.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e"), str(ROOT / "tests" / "support")]

from cluster_stack import Cluster, private_redis, running_cluster  # noqa: E402
from scratch_schema import scratch_schema  # noqa: E402

from bot.nlp.train import train  # noqa: E402
from tests.bench.intake_bench import Phase, Script, record_scripts, run_phase  # noqa: E402

SERVERS = (1, 2, 4)
CONCURRENCY = (10, 20)
#: Conversations per timed phase: each scenario's recorded intake this many times.
ROUNDS = 3


@dataclass
class Row:
    servers: int
    concurrency: int
    phase: Phase

    def cpu_ms(self, prefix: str = "") -> float:
        seconds = sum(s for name, s in self.phase.cpu.items() if name.startswith(prefix))
        return 1000 * seconds / max(len(self.phase.latencies), 1)

    def line(self) -> str:
        p = self.phase
        return (f"  {self.servers:>7} {self.concurrency:>11} {len(p.latencies):>6} {p.throughput:8.1f} "
                f"{p.p(50):7.0f} {p.p(95):7.0f} {self.cpu_ms():10.1f}   rasa {self.cpu_ms('rasa-'):5.1f}  "
                f"actions {self.cpu_ms('actions-'):4.1f}  haproxy {self.cpu_ms('haproxy'):4.1f}  "
                f"console+workers {self.cpu_ms('console') + self.cpu_ms('delivery-'):4.1f}")


def processes(cluster: Cluster) -> dict[str, int]:
    """Every process of the cluster, by supervisord name, with their children (HAProxy's master
    under `-W` forwards nothing: its worker is the child that does the work)."""
    pids = {}
    for name, info in cluster.supervisor.states().items():
        if not info["pid"]:
            continue
        pids[name] = info["pid"]
        children = Path(f"/proc/{info['pid']}/task/{info['pid']}/children")
        for child in (children.read_text().split() if children.exists() else []):
            pids[f"{name}/{child}"] = int(child)
    return pids


def measure(cluster: Cluster, servers: int) -> list[Row]:
    scripts: list[Script] = record_scripts(cluster.public, cluster.token, lambda s: s["opening"], api_url=cluster.api)
    # Each Rasa server's first messages are slower (TensorFlow traces its graphs): warmed up,
    # untimed, with as many conversations at once as servers.
    run_phase(cluster.public, scripts[: max(servers * 2, 4)], max(servers * 2, 4))
    rows = []
    for concurrency in CONCURRENCY:
        phase = run_phase(cluster.public, scripts * ROUNDS, concurrency, processes(cluster))
        rows.append(Row(servers, concurrency, phase))
        print(rows[-1].line(), flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, nargs="+", default=list(SERVERS), help="Rasa server counts")
    args = parser.parse_args(argv)
    base = os.environ.get("INTAKE_TEST_POSTGRES_URL")
    if not base:
        raise SystemExit("make bench-cluster needs INTAKE_TEST_POSTGRES_URL (a PostgreSQL server to make scratch schemas on)")
    train()
    print(f"make bench-cluster: {platform.machine()}, {os.cpu_count()} cores; the project's recorded intakes "
          f"replayed through HAProxy, {ROUNDS} x each scenario per phase")
    print("  servers  concurrency   msgs    msg/s  p50 ms  p95 ms  CPU ms/msg   of which")
    rows: list[Row] = []
    for servers in args.servers:
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as name:
            work = Path(name)
            with private_redis(work / "redis") as redis, scratch_schema(base, "bench_cluster") as database:
                started = time.monotonic()
                with running_cluster(work, database_url=database, redis_url=redis.url, rasa_servers=servers,
                                     INTAKE_RATE_CONVERSATION_PER_MINUTE="0", INTAKE_RATE_CLIENT_PER_MINUTE="0",
                                     INTAKE_MAX_INQUIRIES_PER_HOUR="0") as cluster:
                    print(f"  ({servers} Rasa server{'s' if servers > 1 else ''} ready in "
                          f"{time.monotonic() - started:.0f} s)", flush=True)
                    rows += measure(cluster, servers)
    best = max(rows, key=lambda row: row.phase.throughput)
    print(f"highest throughput: {best.phase.throughput:.1f} msg/s with {best.servers} Rasa server(s) at "
          f"{best.concurrency} concurrent partners")


if __name__ == "__main__":
    main()
