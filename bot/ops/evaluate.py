"""`make eval`: cross-validated intent F1 of the configured NLU pipeline, per intent.

Runs `rasa test nlu --cross-validation` on data/nlu and prints the per-intent table from its
report, so a change of pipeline or training data is judged by numbers.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cross_validate(config: str, folds: int, out: Path) -> dict:
    command = [
        sys.executable, "-m", "rasa", "test", "nlu", "--config", config, "--nlu", "data/nlu",
        "--domain", "bot/domain", "--cross-validation", "--folds", str(folds), "--out", str(out), "--quiet",
    ]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "intent_report.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "eval")
    args = parser.parse_args()
    started = time.monotonic()
    report = cross_validate(args.config, args.folds, args.out)
    print(f"{'intent':<20} {'f1':>5} {'n':>4}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and not name.endswith("avg"):
            print(f"{name:<20} {row['f1-score']:5.2f} {row['support']:>4}")
    for name in ("macro avg", "weighted avg"):
        print(f"{name:<20} {report[name]['f1-score']:5.2f}")
    print(f"{args.folds}-fold cross-validation of {args.config} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
