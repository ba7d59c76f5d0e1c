"""The real Rasa server, action server and console on free ports, against a fresh SQLite file."""
from __future__ import annotations

import secrets
import uuid

import pytest

from bot.ops.processes import Stack, base_env, free_port
from bot.ops.train import train


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    model = train()
    env = base_env(
        INTAKE_DATABASE_URL=f"sqlite:///{workdir / 'intake.db'}",
        INTAKE_RASA_PORT=str(free_port()),
        INTAKE_ACTIONS_PORT=str(free_port()),
        INTAKE_CONSOLE_PORT=str(free_port()),
        INTAKE_API_TOKEN=secrets.token_urlsafe(24),
    )
    from bot.store import upgrade

    upgrade(env["INTAKE_DATABASE_URL"])
    running = Stack(env=env, model=model, log_dir=workdir / "logs")
    running.start()
    try:
        running.wait_ready(timeout=240)
        yield running
    finally:
        running.stop()


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"
