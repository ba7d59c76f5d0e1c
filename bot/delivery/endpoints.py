"""Where each affiliate receives routed inquiries: the endpoints file (INTAKE_ENDPOINTS_FILE).

Pure configuration: no aiohttp, SQLAlchemy or Rasa. `load_endpoints()` reads and validates the
YAML file once at start; errors name the file and the key, never a secret's value. Webhook URLs
are https://, or http:// to a loopback host only (the body carries contact details and live links).

    default:                       # for any affiliate without its own entry
      webhook: {url: "https://…", secret: "${WM_DEFAULT_SECRET}"}
      email: ["partnerships@example.org"]
    affiliates:
      wm-de:
        webhook: {url: "https://…", secret: "…"}
        email: "…"                 # a list or a single address
        response_days: 7           # before the inquiry moves on (default 7)
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.settings import is_loopback_host

#: Days an affiliate has to accept or decline before the inquiry moves on.
DEFAULT_RESPONSE_DAYS = 7
#: The shortest webhook secret accepted.
MIN_SECRET_LENGTH = 16

_TOP_KEYS = frozenset({"default", "affiliates"})
_ENDPOINT_KEYS = frozenset({"webhook", "email", "response_days"})
_WEBHOOK_KEYS = frozenset({"url", "secret"})
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[^@\s<>(),;:\"\[\]\\]+@{_LABEL}(?:\.{_LABEL})*")


class EndpointsError(ValueError):
    """The endpoints file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Webhook:
    """A signed-webhook endpoint. The secret never appears in the repr."""

    url: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Endpoint:
    """How one affiliate receives inquiries: a webhook, e-mail addresses, or both."""

    webhook: Webhook | None
    email: tuple[str, ...]
    response_days: int = DEFAULT_RESPONSE_DAYS


@dataclass(frozen=True)
class EndpointsConfig:
    """The validated endpoints file: a default endpoint and one per affiliate."""

    default: Endpoint | None = None
    affiliates: dict[str, Endpoint] = field(default_factory=dict)

    def for_affiliate(self, affiliate_id: str) -> Endpoint | None:
        """The affiliate's own endpoint, else the default, else None."""
        return self.affiliates.get(affiliate_id, self.default)


def targets_for(config: EndpointsConfig | None, affiliate_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The deliveries to make for an inquiry routed to `affiliate_id`.

    `[("webhook", {"url": ...}), ("email", {"to": [...]})]`, either or both, or `[]` when the
    affiliate has no endpoint or there is no configuration (`None`). Never contains the secret: the worker looks it up at send time
    with `config.for_affiliate(affiliate_id).webhook.secret`.
    """
    endpoint = None if config is None else config.for_affiliate(affiliate_id)
    if endpoint is None:
        return []
    targets: list[tuple[str, dict[str, Any]]] = []
    if endpoint.webhook is not None:
        targets.append(("webhook", {"url": endpoint.webhook.url}))
    if endpoint.email:
        targets.append(("email", {"to": list(endpoint.email)}))
    return targets


def load_endpoints(
    path: Path, *, known_affiliates: Collection[str], env: Mapping[str, str] | None = None
) -> EndpointsConfig:
    """Read and validate the endpoints file at `path`.

    `${NAME}` in any string is replaced by the environment variable NAME (from `env`, default
    `os.environ`); an unset variable is an error. Raises `EndpointsError` naming the file and key.
    """
    env = os.environ if env is None else env
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EndpointsError(f"{path}: cannot read the endpoints file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise EndpointsError(f"{path}: not valid YAML{where}") from None
    return _Parser(str(path), env, frozenset(known_affiliates)).config(raw)


class _Parser:
    def __init__(self, path: str, env: Mapping[str, str], known: frozenset[str]) -> None:
        self.path, self.env, self.known = path, env, known

    def error(self, key: str, message: str) -> EndpointsError:
        return EndpointsError(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")

    def config(self, raw: Any) -> EndpointsConfig:
        if raw is None:
            return EndpointsConfig()
        self.mapping(raw, "", _TOP_KEYS)
        default = None if raw.get("default") is None else self.endpoint(raw["default"], "default")
        affiliates_raw = raw.get("affiliates") or {}
        if not isinstance(affiliates_raw, dict):
            raise self.error("affiliates", "must be a mapping of affiliate id to endpoint")
        affiliates: dict[str, Endpoint] = {}
        for affiliate_id, entry in affiliates_raw.items():
            key = f"affiliates.{affiliate_id}"
            if not isinstance(affiliate_id, str) or affiliate_id not in self.known:
                raise self.error(key, f"unknown affiliate id {affiliate_id!r} (see data/affiliates.csv)")
            affiliates[affiliate_id] = self.endpoint(entry, key)
        return EndpointsConfig(default=default, affiliates=affiliates)

    @staticmethod
    def owner(key: str) -> str:
        """Whose endpoint `key` is: "affiliate wm-de" or "the default endpoint"."""
        parts = key.split(".")
        return f"affiliate {parts[1]}" if parts[0] == "affiliates" and len(parts) > 1 else "the default endpoint"

    def mapping(self, raw: Any, key: str, allowed: frozenset[str]) -> dict[Any, Any]:
        if not isinstance(raw, dict):
            raise self.error(key, "must be a mapping")
        unknown = sorted(str(k) for k in raw if k not in allowed)
        if unknown:
            raise self.error(
                key, f"unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
            )
        return raw

    def endpoint(self, raw: Any, key: str) -> Endpoint:
        self.mapping(raw, key, _ENDPOINT_KEYS)
        webhook = None if raw.get("webhook") is None else self.webhook(raw["webhook"], f"{key}.webhook")
        email = self.emails(raw.get("email"), f"{key}.email")
        if webhook is None and not email:
            raise self.error(key, "needs a webhook, an email, or both")
        days = raw.get("response_days", DEFAULT_RESPONSE_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise self.error(f"{key}.response_days", f"must be a positive whole number of days, not {days!r}")
        return Endpoint(webhook=webhook, email=email, response_days=days)

    def webhook(self, raw: Any, key: str) -> Webhook:
        self.mapping(raw, key, _WEBHOOK_KEYS)
        url = self.string(raw.get("url"), f"{key}.url")
        if not _valid_url(url):
            raise self.error(f"{key}.url", "must be an http:// or https:// URL with a host")
        if not _transport_allowed(url):
            # The body carries the partner's contact details and live accept links.
            raise self.error(
                f"{key}.url", f"{self.owner(key)}'s webhook must use https:// (http:// only to a loopback host)"
            )
        secret = self.string(raw.get("secret"), f"{key}.secret")
        if not secret:
            raise self.error(f"{key}.secret", "is missing or empty")
        if len(secret) < MIN_SECRET_LENGTH:
            raise self.error(f"{key}.secret", f"must be at least {MIN_SECRET_LENGTH} characters long")
        return Webhook(url=url, secret=secret)

    def emails(self, raw: Any, key: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise self.error(key, "must be an e-mail address or a list of them")
        addresses = []
        for index, item in enumerate(items):
            item_key = key if isinstance(raw, str) else f"{key}[{index}]"
            address = self.string(item, item_key).strip()
            if not _EMAIL.fullmatch(address):
                raise self.error(item_key, f"{address!r} is not an e-mail address")
            addresses.append(address)
        return tuple(addresses)

    def string(self, raw: Any, key: str) -> str:
        if raw is None:
            return ""
        if not isinstance(raw, str):
            raise self.error(key, "must be a string")
        return self.substitute(raw, key)

    def substitute(self, value: str, key: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                raise self.error(key, f"environment variable {name} is not set")
            return self.env[name]

        return _ENV_VAR.sub(replace, value)


def _transport_allowed(url: str) -> bool:
    """https:// anywhere; http:// only to this machine (a development receiver, the tests')."""
    parts = urlsplit(url)
    return parts.scheme == "https" or is_loopback_host(parts.hostname)


def _valid_url(url: str) -> bool:
    if not url or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
