"""The cap on inquiries per client address per hour (INTAKE_MAX_INQUIRIES_PER_HOUR).

A script can hold many conversations; each inquiry would e-mail an affiliate. The channels put a
keyed hash of the client's address into every message's metadata (CLIENT_METADATA_KEY, which they
overwrite, so a partner cannot set it); the submit service counts that client's inquiries of the
last hour (table `inquiry_clients`, rows kept for an hour only). Over the cap nothing is lost: the
inquiry is stored but held for staff review, without deliveries, and the partner hears the usual
confirmation. The address itself is never stored, only its hash. Pure.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

#: The metadata key the channels set (and overwrite) with the hash of the client's address.
CLIENT_METADATA_KEY = "intake_client"
#: How far back inquiries are counted, and how long the hashes are kept.
WINDOW = timedelta(hours=1)
#: Separates this use of the conversation secret from deriving conversation ids.
_PURPOSE = b"client-address\x00"


def client_hash(address: str, secret: str) -> str:
    """The keyed hash (HMAC-SHA256, 32 hex digits) of a client address."""
    return hmac.new(secret.encode("utf-8"), _PURPOSE + address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


#: The qualification reason added to an inquiry held because its client sent too many, naming
#: where the assistant would have sent it (English, stored; the console translates it by this shape).
HELD_REASON = ("more than {cap} inquiries from one address in an hour: held for review, not delivered; "
               "proposed route: {affiliate} ({rule})")


def held_reason(*, cap: int, affiliate_id: str, rule: str) -> str:
    """The qualification reason of an inquiry held because its client sent more than `cap`."""
    return HELD_REASON.format(cap=cap, affiliate=affiliate_id, rule=rule)


def is_client_hash(value: object) -> bool:
    """Whether `value` looks like a `client_hash` (anything else in the metadata is ignored)."""
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
