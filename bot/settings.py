"""Runtime settings from the environment. No I/O at import; `Settings.from_env()` reads."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
    #: Origins (scheme://host[:port]) of the sites allowed to open the widget's socket.io
    #: connection; ("*",) allows any.
    allowed_origins: tuple[str, ...] = ()
    #: Where browsers reach the Rasa server (the widget's socket.io URL).
    rasa_public_url: str = ""
    privacy_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        rasa_port = _port(env, "INTAKE_RASA_PORT", 5005)
        public_url = env.get("INTAKE_PUBLIC_URL") or f"http://127.0.0.1:{_port(env, 'INTAKE_CONSOLE_PORT', 8080)}"
        return cls(
            database_url=env.get("INTAKE_DATABASE_URL") or default_database_url(),
            rasa_port=rasa_port,
            actions_port=_port(env, "INTAKE_ACTIONS_PORT", 5055),
            console_port=_port(env, "INTAKE_CONSOLE_PORT", 8080),
            api_token=env.get("INTAKE_API_TOKEN", ""),
            endpoints_file=env.get("INTAKE_ENDPOINTS_FILE") or None,
            link_secret=env.get("INTAKE_LINK_SECRET", ""),
            session_secret=env.get("INTAKE_SESSION_SECRET", ""),
            public_url=public_url,
            data_dir=Path(env.get("INTAKE_DATA_DIR") or ROOT / "data"),
            allowed_origins=allowed_origins(env.get("INTAKE_ALLOWED_ORIGINS", ""), public_url=public_url),
            rasa_public_url=(env.get("INTAKE_RASA_PUBLIC_URL") or _beside(public_url, rasa_port)).rstrip("/"),
            privacy_url=env.get("INTAKE_PRIVACY_URL") or public_url.rstrip("/") + "/privacy",
        )


def default_database_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'intake.db'}"


def allowed_origins(raw: str, *, public_url: str) -> tuple[str, ...]:
    """INTAKE_ALLOWED_ORIGINS (comma- or space-separated) checked, or the console's own origin.

    The console's own origin on loopback also admits the other loopback name, so that the demo
    page works whether it is opened as localhost or 127.0.0.1.
    """
    items = [item.strip().rstrip("/") for item in raw.replace(",", " ").split() if item.strip()]
    if items == ["*"]:
        return ("*",)
    for item in items:
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ValueError(f"INTAKE_ALLOWED_ORIGINS: {item!r} is not an origin like https://www.example.org")
    if items:
        return tuple(dict.fromkeys(items))
    own = urlsplit(public_url)
    origin = f"{own.scheme}://{own.netloc}"
    if own.hostname in ("127.0.0.1", "localhost"):
        other = "localhost" if own.hostname == "127.0.0.1" else "127.0.0.1"
        return (origin, origin.replace(own.hostname, other, 1))
    return (origin,)


def _beside(public_url: str, port: int) -> str:
    """The URL of another port on the console's host (how `make run` exposes Rasa)."""
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.hostname}:{port}"


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
