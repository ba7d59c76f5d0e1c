"""Runtime settings from the environment. No I/O at import; `Settings.from_env()` reads."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    rasa_port: int = 5005
    actions_port: int = 5055
    console_port: int = 8080
    api_token: str = field(default="", repr=False)
    endpoints_file: str | None = None
    link_secret: str = field(default="", repr=False)
    #: Encrypts the console's session cookies (INTAKE_SESSION_SECRET); empty: console pages answer 503.
    session_secret: str = field(default="", repr=False)
    public_url: str = ""
    data_dir: Path = ROOT / "data"
    general_contact: str = "partnerships@wikimedia.org"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("INTAKE_DATABASE_URL") or default_database_url(),
            rasa_port=_port(env, "INTAKE_RASA_PORT", 5005),
            actions_port=_port(env, "INTAKE_ACTIONS_PORT", 5055),
            console_port=_port(env, "INTAKE_CONSOLE_PORT", 8080),
            api_token=env.get("INTAKE_API_TOKEN", ""),
            endpoints_file=env.get("INTAKE_ENDPOINTS_FILE") or None,
            link_secret=env.get("INTAKE_LINK_SECRET", ""),
            session_secret=env.get("INTAKE_SESSION_SECRET", ""),
            public_url=env.get("INTAKE_PUBLIC_URL") or f"http://127.0.0.1:{_port(env, 'INTAKE_CONSOLE_PORT', 8080)}",
            data_dir=Path(env.get("INTAKE_DATA_DIR") or ROOT / "data"),
        )


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'intake.db'}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a port number, not {raw!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"{name} must be between 1 and 65535, not {port}")
    return port
