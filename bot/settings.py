"""Runtime settings from the environment. No I/O at import; `Settings.from_env()` reads.

The console and the delivery worker take their configuration from here, SMTP included
(`Settings.smtp`), and read no environment variable themselves.
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.data import REPO_DATA_DIR, ROOT
from bot.data import data_dir as configured_data_dir

DEFAULT_SMTP_TIMEOUT = 30.0
DEFAULT_GENERAL_CONTACT = "partnerships@wikimedia.org"
DEFAULT_WIKIDATA_API_URL = "https://www.wikidata.org/w/api.php"
#: Wikimedia Commons' Action API: the files of a partnership's category and the pages using them.
DEFAULT_COMMONS_API_URL = "https://commons.wikimedia.org/w/api.php"
#: The Wikimedia Analytics REST API, whose Commons Impact Metrics give a category's monthly views.
DEFAULT_METRICS_API_URL = "https://wikimedia.org/api/rest_v1"
DEFAULT_MAIL_FROM = "Wikimedia partnerships <partnerships-intake@localhost>"


#: How e-mail deliveries reach the SMTP server (INTAKE_SMTP_SECURITY): STARTTLS on a plain
#: connection, implicit TLS from the first byte (port 465), or no encryption at all.
SMTP_SECURITY = ("starttls", "tls", "plain")
#: The port of each, when INTAKE_SMTP_PORT is not set.
SMTP_DEFAULT_PORTS = {"starttls": 25, "tls": 465, "plain": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server and sender address of e-mail deliveries; the password never appears in
    the repr.

    E-mails carry partners' contact details and live accept links, so TLS is the default and
    certificates are verified (`ca_file` adds a private CA). `plain` is refused unless the host is
    this machine (a local relay, the tests' servers) or `allow_plain` says it is on purpose.
    """

    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # -- part "delivery transport" (issue 13, item 7): TLS by default ---------------------------
    security: str = "starttls"
    allow_plain: bool = False
    ca_file: str | None = None
    # ---------------------------------------------------------------------------------------------
    timeout: float = DEFAULT_SMTP_TIMEOUT
    mail_from: str = DEFAULT_MAIL_FROM

    def __post_init__(self) -> None:
        if self.security not in SMTP_SECURITY:
            raise ValueError(f"INTAKE_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {self.security!r}")
        if self.security == "plain" and not (self.allow_plain or is_loopback_host(self.host)):
            raise ValueError(
                f"INTAKE_SMTP_SECURITY=plain would send contact details unencrypted to {self.host}: use starttls "
                "or tls, or set INTAKE_SMTP_ALLOW_PLAIN=true (local development only)"
            )

    @property
    def starttls(self) -> bool:
        """Whether STARTTLS is used (the older INTAKE_SMTP_STARTTLS's meaning)."""
        return self.security == "starttls"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """From INTAKE_SMTP_HOST, _PORT, _USER, _PASSWORD, _SECURITY (or the older _STARTTLS),
        _ALLOW_PLAIN, _CA_FILE, _TIMEOUT and INTAKE_MAIL_FROM; ValueError names a bad one."""
        env = os.environ if env is None else env
        security = _smtp_security(env)
        return cls(
            host=env.get("INTAKE_SMTP_HOST") or "127.0.0.1",
            port=_smtp_port(env.get("INTAKE_SMTP_PORT"), SMTP_DEFAULT_PORTS[security]),
            username=env.get("INTAKE_SMTP_USER") or None,
            password=env.get("INTAKE_SMTP_PASSWORD") or None,
            security=security,
            allow_plain=_flag(env.get("INTAKE_SMTP_ALLOW_PLAIN"), "INTAKE_SMTP_ALLOW_PLAIN"),
            ca_file=_smtp_ca_file(env.get("INTAKE_SMTP_CA_FILE")),
            timeout=_smtp_seconds(env.get("INTAKE_SMTP_TIMEOUT"), DEFAULT_SMTP_TIMEOUT),
            mail_from=env.get("INTAKE_MAIL_FROM") or DEFAULT_MAIL_FROM,
        )


@dataclass(frozen=True)
class Settings:
    database_url: str
    rasa_port: int = 5005
    actions_port: int = 5055
    console_port: int = 8080
    #: The interface the console listens on (INTAKE_CONSOLE_HOST).
    console_host: str = "127.0.0.1"
    api_token: str = field(default="", repr=False)
    endpoints_file: str | None = None
    link_secret: str = field(default="", repr=False)
    #: Keys the hash that turns a partner's session key into the conversation id
    #: (INTAKE_CONVERSATION_SECRET); empty: the channels make one per process (bot.intake.conversation_keys).
    conversation_secret: str = field(default="", repr=False)
    #: Encrypts the console's session cookies (INTAKE_SESSION_SECRET); empty: console pages answer 503.
    session_secret: str = field(default="", repr=False)
    public_url: str = ""
    data_dir: Path = REPO_DATA_DIR
    #: Where partners write for anything the assistant cannot do, erasure requests included
    #: (INTAKE_GENERAL_CONTACT; the privacy notice and the deflection replies give it).
    general_contact: str = DEFAULT_GENERAL_CONTACT
    #: Origins (scheme://host[:port]) of the sites allowed to open the widget's socket.io
    #: connection; ("*",) allows any.
    allowed_origins: tuple[str, ...] = ()
    #: Where browsers reach the Rasa server (the widget's socket.io URL).
    rasa_public_url: str = ""
    privacy_url: str = ""
    #: E-mail deliveries (INTAKE_SMTP_*, INTAKE_MAIL_FROM).
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    #: The delivery worker's pause between rounds, lease on claimed rows, and rows per round.
    delivery_poll_seconds: float = 1.0
    delivery_lease_seconds: float = 120.0
    delivery_batch: int = 50
    #: The longest partner message read (INTAKE_MAX_MESSAGE_CHARS); a longer one gets a polite
    #: request to shorten it and never reaches the NLU or the language detector.
    max_message_chars: int = 5000
    # -- Erasure and retention (issue 13, item 3: erase, purge, privacy notice) ---------------
    #: Days after its last event that a conversation without an inquiry is deleted
    #: (INTAKE_RETENTION_DAYS_ABANDONED).
    retention_days_abandoned: int = 90
    #: Days after its creation that an inquiry loses its contact details, description and
    #: transcript (INTAKE_RETENTION_DAYS); the statistics row stays.
    retention_days: int = 730
    #: Minutes between the delivery worker's retention purges (INTAKE_PURGE_INTERVAL_MINUTES).
    purge_interval_minutes: int = 60
    #: Wikidata's Action API, where the delivery worker identifies organisations
    #: (INTAKE_WIKIDATA_API_URL); empty: no lookups.
    wikidata_api_url: str = DEFAULT_WIKIDATA_API_URL
    #: Commons' Action API, read for the partners' monthly recognition reports
    #: (INTAKE_COMMONS_API_URL); empty: no reports.
    commons_api_url: str = DEFAULT_COMMONS_API_URL
    #: The Wikimedia Analytics REST API's base, for the views in those reports
    #: (INTAKE_METRICS_API_URL); empty: reports without views.
    metrics_api_url: str = DEFAULT_METRICS_API_URL
    # --- issue 13, abuse limits and secrets (part "limits-secrets") ---
    #: Signs the JWTs that open Rasa's HTTP API (INTAKE_RASA_ADMIN_SECRET); empty: the API is off.
    rasa_admin_secret: str = field(default="", repr=False)
    #: Messages per minute one conversation may send, and how many at once (token bucket); 0: no limit.
    rate_conversation_per_minute: int = 30
    rate_conversation_burst: int = 10
    #: Messages per minute from one client address (any number of conversations); 0: no limit.
    rate_client_per_minute: int = 120
    #: Addresses of reverse proxies whose X-Forwarded-For names the client (INTAKE_TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()
    #: Inquiries one client address may send per hour before the next are held for staff review; 0: no cap.
    max_inquiries_per_hour: int = 5
    # --- end of part "limits-secrets" ---
    # Issue 13, console accounts and sessions: how long a console session lasts from login
    # (INTAKE_CONSOLE_SESSION_HOURS), how long it may sit unused (INTAKE_CONSOLE_IDLE_MINUTES),
    # and how long an e-mailed password reset link works (INTAKE_PASSWORD_RESET_MINUTES).
    console_session_hours: int = 12
    console_idle_minutes: int = 120
    password_reset_minutes: int = 60
    # --- Issue 14, hand-off to a person ---
    #: Where the console reaches Rasa's HTTP API to write a person's messages into the
    #: conversation (INTAKE_RASA_URL; default: this machine's Rasa port). Needs
    #: INTAKE_RASA_ADMIN_SECRET: without it, hand-offs are never offered as live.
    rasa_url: str = ""
    #: Who is told by e-mail when a partner asks for a person (INTAKE_HANDOFF_EMAIL, addresses
    #: separated by commas); empty: no e-mail.
    handoff_email: tuple[str, ...] = ()
    #: Staff's webhook for `conversation.handoff_requested` (INTAKE_HANDOFF_WEBHOOK_URL and
    #: INTAKE_HANDOFF_WEBHOOK_SECRET, the HMAC key, 16+ characters); empty: none.
    handoff_webhook_url: str = ""
    handoff_webhook_secret: str = field(default="", repr=False)
    #: Minutes a waiting partner waits for a claim before the assistant says so and offers to
    #: take a message instead (INTAKE_HANDOFF_WAIT_MINUTES).
    handoff_wait_minutes: int = 5
    # --- Issue 15, several servers ---
    #: Redis shared by several Rasa servers (INTAKE_REDIS_URL, redis:// or rediss://): the
    #: conversations' lock store and socket.io's message queue between servers. Empty: one
    #: server, both in memory. May hold a password: never printed.
    redis_url: str = field(default="", repr=False)
    #: RabbitMQ for Rasa's event broker and the analytics consumer (INTAKE_RABBITMQ_URL,
    #: amqp://user:password@host:port/vhost or amqps://). Empty: no broker, and the dashboard
    #: counts conversations from Rasa's `events` table. May hold a password: never printed.
    rabbitmq_url: str = field(default="", repr=False)
    #: Observability (issue 15): `text` or `json` log lines (INTAKE_LOG_FORMAT,
    #: integrations/observability/logs.py) ...
    log_format: str = "text"
    #: ... and the delivery worker's /metrics and /health on 127.0.0.1 at this port
    #: (INTAKE_WORKER_METRICS_PORT; None: no port).
    worker_metrics_port: int | None = None

    @property
    def handoff_live(self) -> bool:
        """Whether a person's replies can reach the partner (the console can write to Rasa)."""
        return bool(self.rasa_admin_secret and self.rasa_url)

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
            console_host=env.get("INTAKE_CONSOLE_HOST") or "127.0.0.1",
            api_token=env.get("INTAKE_API_TOKEN", ""),
            endpoints_file=env.get("INTAKE_ENDPOINTS_FILE") or None,
            link_secret=env.get("INTAKE_LINK_SECRET", ""),
            session_secret=env.get("INTAKE_SESSION_SECRET", ""),
            conversation_secret=env.get("INTAKE_CONVERSATION_SECRET", ""),
            public_url=public_url,
            data_dir=configured_data_dir(env),
            allowed_origins=allowed_origins(env.get("INTAKE_ALLOWED_ORIGINS", ""), public_url=public_url),
            rasa_public_url=(env.get("INTAKE_RASA_PUBLIC_URL") or _beside(public_url, rasa_port)).rstrip("/"),
            privacy_url=env.get("INTAKE_PRIVACY_URL") or public_url.rstrip("/") + "/privacy",
            smtp=SmtpSettings.from_env(env),
            delivery_poll_seconds=float(env.get("INTAKE_DELIVERY_POLL_SECONDS", "1")),
            delivery_lease_seconds=float(env.get("INTAKE_DELIVERY_LEASE_SECONDS", "120")),
            delivery_batch=int(env.get("INTAKE_DELIVERY_BATCH", "50")),
            general_contact=_email_address(env, "INTAKE_GENERAL_CONTACT", DEFAULT_GENERAL_CONTACT),
            max_message_chars=_bounded(env, "INTAKE_MAX_MESSAGE_CHARS", 5000, low=100, high=100_000),
            # Erasure and retention (issue 13, item 3).
            retention_days_abandoned=_bounded(env, "INTAKE_RETENTION_DAYS_ABANDONED", 90, low=1, high=36_500),
            retention_days=_bounded(env, "INTAKE_RETENTION_DAYS", 730, low=1, high=36_500),
            purge_interval_minutes=_bounded(env, "INTAKE_PURGE_INTERVAL_MINUTES", 60, low=1, high=10_080),
            wikidata_api_url=_wikidata_api_url(env),
            commons_api_url=_api_url(env, "INTAKE_COMMONS_API_URL", DEFAULT_COMMONS_API_URL, "no reports"),
            metrics_api_url=_api_url(env, "INTAKE_METRICS_API_URL", DEFAULT_METRICS_API_URL, "no views").rstrip("/"),
            # issue 13, part "limits-secrets"
            rasa_admin_secret=env.get("INTAKE_RASA_ADMIN_SECRET", ""),
            rate_conversation_per_minute=_bounded(env, "INTAKE_RATE_CONVERSATION_PER_MINUTE", 30, low=0, high=10_000),
            rate_conversation_burst=_bounded(env, "INTAKE_RATE_CONVERSATION_BURST", 10, low=1, high=10_000),
            rate_client_per_minute=_bounded(env, "INTAKE_RATE_CLIENT_PER_MINUTE", 120, low=0, high=100_000),
            trusted_proxies=trusted_proxies(env.get("INTAKE_TRUSTED_PROXIES", "")),
            max_inquiries_per_hour=_bounded(env, "INTAKE_MAX_INQUIRIES_PER_HOUR", 5, low=0, high=100_000),
            # Issue 13, console accounts and sessions.
            console_session_hours=_bounded(env, "INTAKE_CONSOLE_SESSION_HOURS", 12, low=1, high=168),
            console_idle_minutes=_bounded(env, "INTAKE_CONSOLE_IDLE_MINUTES", 120, low=5, high=10_080),
            password_reset_minutes=_bounded(env, "INTAKE_PASSWORD_RESET_MINUTES", 60, low=5, high=1440),
            rasa_url=(env.get("INTAKE_RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            handoff_email=tuple(_email_address({"INTAKE_HANDOFF_EMAIL": item}, "INTAKE_HANDOFF_EMAIL", "")
                                for item in (env.get("INTAKE_HANDOFF_EMAIL") or "").split(",") if item.strip()),
            handoff_webhook_url=_handoff_webhook_url(env),
            handoff_webhook_secret=_handoff_webhook_secret(env),
            handoff_wait_minutes=_bounded(env, "INTAKE_HANDOFF_WAIT_MINUTES", 5, low=1, high=1440),
            redis_url=_redis_url(env),
            rabbitmq_url=rabbitmq_url(env),
            log_format=_log_format(env),
            worker_metrics_port=_port(env, "INTAKE_WORKER_METRICS_PORT", 0) or None,
        )


def _wikidata_api_url(env: Mapping[str, str]) -> str:
    """INTAKE_WIKIDATA_API_URL: unset, Wikidata's own; empty, off; otherwise an http(s) URL."""
    return _api_url(env, "INTAKE_WIKIDATA_API_URL", DEFAULT_WIKIDATA_API_URL, "no lookups")


def _api_url(env: Mapping[str, str], name: str, default: str, empty_means: str) -> str:
    """An outside API's URL: unset, `default`; empty, off; otherwise an http(s) URL."""
    raw = env.get(name)
    if raw is None:
        return default
    url = raw.strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        raise ValueError(f"{name} must be an http(s) URL (or empty: {empty_means})")
    return url


def _redis_url(env: Mapping[str, str]) -> str:
    url = (env.get("INTAKE_REDIS_URL") or "").strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("INTAKE_REDIS_URL must start with redis://, rediss:// or unix://")
    return url


def rabbitmq_url(env: Mapping[str, str]) -> str:
    """INTAKE_RABBITMQ_URL checked; the error names the variable and never the value (it may
    hold a password)."""
    url = (env.get("INTAKE_RABBITMQ_URL") or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError("INTAKE_RABBITMQ_URL is not a URL like amqp://user:password@host:5672/vhost") from None
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ValueError("INTAKE_RABBITMQ_URL must be amqp://user:password@host:port/vhost (or amqps://)")
    return url


def _log_format(env: Mapping[str, str]) -> str:
    value = (env.get("INTAKE_LOG_FORMAT") or "text").strip().lower()
    if value not in ("text", "json"):
        raise ValueError("INTAKE_LOG_FORMAT must be text or json")
    return value


# --- issue 13, part "limits-secrets": one secret per purpose, each strong enough ---

#: The secrets of the deployment, one per purpose; none may serve two.
SECRETS = (
    ("INTAKE_API_TOKEN", "api_token"),
    ("INTAKE_RASA_ADMIN_SECRET", "rasa_admin_secret"),
    ("INTAKE_LINK_SECRET", "link_secret"),
    ("INTAKE_SESSION_SECRET", "session_secret"),
    ("INTAKE_CONVERSATION_SECRET", "conversation_secret"),
)
#: The shortest secret accepted: 32 characters (`secrets.token_urlsafe(24)` or more).
MIN_SECRET_CHARS = 32


def check_secrets(settings: Settings) -> None:
    """Refuse a set secret shorter than MIN_SECRET_CHARS or equal to another purpose's secret.

    Raises ValueError with one line naming the variable (never the value). An unset secret is
    allowed: what it protects stays off (see each setting). Every process calls this at start.
    """
    seen: dict[str, str] = {}
    for variable, attribute in SECRETS:
        value = getattr(settings, attribute)
        if not value:
            continue
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"{variable} is too short: use at least {MIN_SECRET_CHARS} random characters")
        if value in seen:
            raise ValueError(f"{variable} is the same as {seen[value]}: each purpose needs its own secret")
        seen[value] = variable


def masked(secret: str) -> str:
    """The first four characters of `secret` and an ellipsis: enough to tell two apart, never the value."""
    return secret[:4] + "…" if len(secret) >= MIN_SECRET_CHARS else "…"


def trusted_proxies(raw: str) -> tuple[str, ...]:
    """INTAKE_TRUSTED_PROXIES (comma- or space-separated IP addresses) checked."""
    from ipaddress import ip_address

    items = [item.strip() for item in raw.replace(",", " ").split() if item.strip()]
    for item in items:
        try:
            ip_address(item)
        except ValueError:
            raise ValueError(f"INTAKE_TRUSTED_PROXIES: {item!r} is not an IP address") from None
    return tuple(dict.fromkeys(items))

# --- end of part "limits-secrets" ---
def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1, with or without brackets).

    The one test of "this machine": plain SMTP and http:// webhooks are allowed only to these (a
    local relay, a development receiver, the tests' servers), as nothing they carry leaves it.
    """
    name = (host or "").strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _bounded(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValueError(f"{name}: {raw!r} is not a whole number from {low} to {high}")
    return int(raw)


def _email_address(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    local, at, domain = raw.rpartition("@")
    if not (at and local and "." in domain) or any(ch.isspace() or ch in "<>,;\"" for ch in raw):
        raise ValueError(f"{name}: {raw!r} is not an e-mail address")
    return raw


def _handoff_webhook_url(env: Mapping[str, str]) -> str:
    raw = (env.get("INTAKE_HANDOFF_WEBHOOK_URL") or "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError("INTAKE_HANDOFF_WEBHOOK_URL: must be https:// (http:// only to this machine)")
    return raw


def _handoff_webhook_secret(env: Mapping[str, str]) -> str:
    secret = env.get("INTAKE_HANDOFF_WEBHOOK_SECRET") or ""
    if env.get("INTAKE_HANDOFF_WEBHOOK_URL") and len(secret) < 16:
        raise ValueError("INTAKE_HANDOFF_WEBHOOK_SECRET: the webhook needs a secret of at least 16 characters")
    return secret


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


def _smtp_port(raw: str | None, default: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"INTAKE_SMTP_PORT must be a port number between 1 and 65535, not {raw!r}")
    return int(raw)


def _flag(raw: str | None, name: str) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _smtp_security(env: Mapping[str, str]) -> str:
    """INTAKE_SMTP_SECURITY; unset, the older INTAKE_SMTP_STARTTLS (true: starttls, false: plain);
    neither: starttls."""
    raw = (env.get("INTAKE_SMTP_SECURITY") or "").strip().lower()
    if raw:
        if raw not in SMTP_SECURITY:
            raise ValueError(f"INTAKE_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {raw!r}")
        return raw
    if (env.get("INTAKE_SMTP_STARTTLS") or "").strip():
        return "starttls" if _flag(env.get("INTAKE_SMTP_STARTTLS"), "INTAKE_SMTP_STARTTLS") else "plain"
    return "starttls"


def _smtp_ca_file(raw: str | None) -> str | None:
    if not raw:
        return None
    if not os.path.isfile(raw):
        raise ValueError(f"INTAKE_SMTP_CA_FILE: {raw!r} is not a readable file of PEM certificates")
    return raw


def _smtp_seconds(raw: str | None, default: float) -> float:
    if not raw:
        return default
    value = float(raw) if raw.replace(".", "", 1).isdigit() else 0.0
    if not value > 0:
        raise ValueError(f"INTAKE_SMTP_TIMEOUT must be a positive number of seconds, not {raw!r}")
    return value
