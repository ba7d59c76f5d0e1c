"""Train the Rasa model only when its inputs changed: models/intake-<hash>.tar.gz.

The hash covers the NLU config, domain, training data, the built spaCy pipeline and the Rasa
version, so tests and `make run` reuse a model instead of spending a minute retraining.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bot.data import ROOT

TRAINING_DATA = ("data/nlu", "data/rules", "data/stories")
INPUTS = ("config.yml", "bot/domain", *TRAINING_DATA, "models/spacy/intake_xx/inputs.sha256")


def inputs_hash(root: Path = ROOT) -> str:
    """SHA-256 over every input file's path and bytes, plus the Rasa version."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"rasa=={version('rasa')}".encode())
    for entry in INPUTS:
        path = root / entry
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not file.exists():
                raise SystemExit(f"missing training input: {file.relative_to(root)} (run `make spacy`)")
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return root / "models" / f"intake-{inputs_hash(root)}.tar.gz"


def train(root: Path = ROOT, force: bool = False) -> Path:
    """Train if needed; returns the model file and points models/current.tar.gz at it."""
    target = model_path(root)
    if force or not target.exists():
        started = time.monotonic()
        command = [
            sys.executable, "-m", "rasa", "train",
            "--config", "config.yml", "--domain", "bot/domain",
            "--data", *TRAINING_DATA,
            "--out", "models", "--fixed-model-name", target.name.removesuffix(".tar.gz"), "--quiet",
        ]
        subprocess.run(command, cwd=root, check=True)
        print(f"trained {target.name} in {time.monotonic() - started:.1f} s", flush=True)
    else:
        print(f"model up to date: {target.name}", flush=True)
    current = root / "models" / "current.tar.gz"
    if current.exists() or current.is_symlink():
        current.unlink()
    try:
        current.symlink_to(target.name)
    except OSError:
        shutil.copyfile(target, current)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if the inputs did not change")
    parser.add_argument("--print-path", action="store_true", help="only print the model path")
    args = parser.parse_args()
    if args.print_path:
        print(model_path())
        return
    train(force=args.force)


if __name__ == "__main__":
    main()
