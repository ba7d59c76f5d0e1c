"""The stock `rasa init` bot for `make bench`'s side-by-side figures (issue 15).

Created with the project's own Rasa (`rasa init --no-prompt`, which trains DIET and TED) in a
temporary folder, then kept under var/bench/stock-rasa-<version>/ so that later runs skip the
minute of training. Served as stock serves it: `rasa run` with its own credentials.yml (REST
channel on), its own endpoints.yml (in-memory tracker store, no action server: the init bot's
actions.py is all comments and its domain runs no custom action).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

#: Typical moodbot conversations (the init bot's intents: greet, mood_great, mood_unhappy,
#: affirm, deny, goodbye, bot_challenge), each a list of partner messages.
CONVERSATIONS: list[list[str]] = [
    ["hello", "I am great", "goodbye"],
    ["hi there", "I am sad", "yes", "bye"],
    ["hey", "very unhappy", "no", "see you later"],
    ["good morning", "are you a bot?", "perfect", "have a nice day"],
    ["hey there", "I am feeling very good", "cu"],
    ["hello there", "not good", "of course", "good bye"],
]


def rasa_version() -> str:
    return version("rasa")


def stock_dir(var: Path) -> Path:
    return var / "bench" / f"stock-rasa-{rasa_version()}"


def ensure_stock_bot(var: Path) -> tuple[Path, Path]:
    """The stock bot's project folder and trained model, created and trained on the first run."""
    target = stock_dir(var)
    models = sorted((target / "models").glob("*.tar.gz")) if target.exists() else []
    if models:
        return target, models[-1]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "stock"
        project.mkdir()
        print(f"creating the stock bot with rasa {rasa_version()} (rasa init, trains once) ...", flush=True)
        log = Path(tmp) / "init.log"
        with open(log, "wb") as out:
            done = subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
                                  stdout=out, stderr=subprocess.STDOUT, cwd=project)
        if done.returncode:
            raise RuntimeError(f"rasa init failed:\n{log.read_text(errors='replace')[-3000:]}")
        if not list((project / "models").glob("*.tar.gz")):
            raise RuntimeError("rasa init trained no model")
        # Moved only once complete, so that an interrupted run does not leave a half-made cache.
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(project, target)
    return target, sorted((target / "models").glob("*.tar.gz"))[-1]


def stock_command(project: Path, model: Path, port: int) -> list[str]:
    """`rasa run` as the init bot's README says, on a chosen port (no API, no actions)."""
    return [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port),
            "--interface", "127.0.0.1", "--credentials", str(project / "credentials.yml"),
            "--endpoints", str(project / "endpoints.yml")]
