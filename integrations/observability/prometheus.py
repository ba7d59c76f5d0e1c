"""The Prometheus exposition shared by our processes (console, delivery worker, Rasa's channels).

Each process exposes its own default registry (prometheus_client's): Prometheus scrapes each
process and sums across them, so nothing is shared between processes. Metric names follow the
Prometheus conventions: `intake_` prefix, `_total` for counters, base units (`_seconds`).
Labels are bounded sets (a route template, a channel, an outcome, a language of the catalogues),
never a conversation id, a reference or anything a partner typed.
"""
from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bot.i18n.catalog import supported_languages

#: The content type of the text exposition format.
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: The label of a language outside the catalogues (or none yet): the label set stays bounded.
OTHER_LANGUAGE = "other"

_LANGUAGES = frozenset(supported_languages())


def exposition() -> bytes:
    """This process's metrics in the text format."""
    return generate_latest(REGISTRY)


def language_label(code: object) -> str:
    """`code` as a metric label: one of the catalogues' languages, else `other`."""
    return code if isinstance(code, str) and code in _LANGUAGES else OTHER_LANGUAGE


def bearer_allows(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header carries `Bearer <token>`; never with no token configured."""
    scheme, _, given = (authorization or "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))
