"""Signatures: of webhook bodies and of accept / decline links.

Pure (hmac, hashlib, base64). Webhooks follow the Standard Webhooks specification
(https://www.standardwebhooks.com, DESIGN.md "Webhooks"): `webhook-id` (the delivery id),
`webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">`, keyed by the endpoint's secret as the official libraries read it
(`whsec_<base64>`; the bytes after the prefix, base64-decoded), so that affiliates verify with
`standardwebhooks` in any language. The earlier header stays beside it for receivers already
written against it: `X-Intake-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw
body>` keyed by the secret's UTF-8 bytes.
Link token: `<token_id>.<action>.<expires_at>.<sig>`, URL-safe; `sig` is the first 22
characters of the unpadded URL-safe base64 HMAC-SHA256 (132 bits) of
`"link.v1.<token_id>.<action>.<expires_at>"`. Single use is the store's business (token_id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Seconds a webhook signature's timestamp may differ from the receiver's clock.
DEFAULT_TOLERANCE = 300
#: The prefix of a Standard Webhooks secret.
STANDARD_PREFIX = "whsec_"
#: Characters of the link signature kept.
LINK_SIGNATURE_LENGTH = 22

_PART = re.compile(r"[A-Za-z0-9_-]+")
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class LinkClaim:
    """What a valid link token says: which token, which action, valid until when."""

    token_id: str
    action: str
    expires_at: int


def standard_webhook_key(secret: str) -> bytes:
    """The signing key of a Standard Webhooks secret, read as the reference libraries read it:
    without the `whsec_` prefix, base64-decoded (padding added); the UTF-8 bytes of a secret
    that is not base64 at all."""
    raw = secret[len(STANDARD_PREFIX):] if secret.startswith(STANDARD_PREFIX) else secret
    try:
        return base64.b64decode(raw + "==")
    except (ValueError, binascii.Error):
        return secret.encode("utf-8")


def standard_webhook_headers(*, message_id: str, body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """The three Standard Webhooks headers of `body`, sent as `message_id` at `timestamp`."""
    signed = f"{message_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(standard_webhook_key(secret), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": "v1," + base64.b64encode(digest).decode("ascii"),
    }


def verify_standard_webhook(body: bytes, headers: Mapping[str, str], secret: str, *, now: int,
                            tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """True if `headers` (any case) sign `body` with `secret` within `tolerance` seconds of `now`.
    Several space-separated signatures (a secret rotation) are accepted."""
    lower = {k.lower(): v for k, v in headers.items()}
    message_id, stamp = lower.get("webhook-id", ""), lower.get("webhook-timestamp", "")
    if not message_id or not _DIGITS.fullmatch(stamp) or abs(now - int(stamp)) > tolerance:
        return False
    expected = standard_webhook_headers(message_id=message_id, body=body, secret=secret,
                                        timestamp=int(stamp))["webhook-signature"]
    matched = False
    for candidate in lower.get("webhook-signature", "").split():
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    return matched


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    """The X-Intake-Signature header value for `body` sent at `timestamp` (unix seconds)."""
    return f"t={int(timestamp)},v1={_webhook_digest(body, secret, int(timestamp))}"


def verify_webhook(
    body: bytes, header: str, secret: str, *, now: int, tolerance: int = DEFAULT_TOLERANCE
) -> bool:
    """True if `header` signs `body` with `secret` and its timestamp is within `tolerance`
    seconds of `now`. Several `v1=` values (during a secret rotation) are accepted."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in (header or "").split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if name == "t":
            if not _DIGITS.fullmatch(value) or timestamp is not None:
                return False
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = _webhook_digest(body, secret, timestamp)
    matched = False
    for candidate in candidates:  # compare all, without stopping early
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    return matched


def sign_link(token_id: str, action: str, expires_at: int, secret: str) -> str:
    """A URL-safe token for `action` ("accept", "decline", ...) valid until `expires_at`.

    `token_id` and `action` may contain only letters, digits, "-" and "_".
    """
    for name, value in (("token_id", token_id), ("action", action)):
        if not _PART.fullmatch(value or ""):
            raise ValueError(f"{name} may contain only letters, digits, '-' and '_'")
    if isinstance(expires_at, bool) or int(expires_at) < 0:
        raise ValueError("expires_at must be a non-negative unix time")
    payload = f"{token_id}.{action}.{int(expires_at)}"
    return f"{payload}.{_link_signature(payload, secret)}"


def verify_link(token: str, secret: str, *, now: int) -> LinkClaim | None:
    """The claim of a valid token, or None when it is malformed, badly signed or expired
    (`now >= expires_at`)."""
    parts = (token or "").split(".")
    if len(parts) != 4:
        return None
    token_id, action, expires, signature = parts
    if not (_PART.fullmatch(token_id) and _PART.fullmatch(action) and _DIGITS.fullmatch(expires)):
        return None
    payload = f"{token_id}.{action}.{expires}"
    if not hmac.compare_digest(_link_signature(payload, secret).encode(), signature.encode()):
        return None
    if str(int(expires)) != expires or now >= int(expires):
        return None
    return LinkClaim(token_id=token_id, action=action, expires_at=int(expires))


def _webhook_digest(body: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _link_signature(payload: str, secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"link.v1.{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")[:LINK_SIGNATURE_LENGTH]
