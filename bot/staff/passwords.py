"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile). Pure.

Hashing is deliberately slow (tens of milliseconds): callers in an event loop run these
functions in a thread.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: Shorter passwords are refused when an account is created.
MIN_PASSWORD_LENGTH = 12
#: Longer ones are refused too: nobody types that much, and hashing it is work for nothing.
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class Verdict:
    """The outcome of a password check; `new_hash` is set when the stored hash should be replaced."""

    ok: bool
    new_hash: str | None = field(default=None, repr=False)


@lru_cache(maxsize=1)
def default_hasher() -> PasswordHasher:
    """The hasher with the current parameters (built on first use, not at import)."""
    return PasswordHasher()


def prepare(*, hasher: PasswordHasher | None = None) -> None:
    """Make the dummy hash now, so that the first login of an unknown address is not slower."""
    _dummy_hash(hasher or default_hasher())


def check_new_password(password: str) -> None:
    """Refuse a password that is too short or too long (ValueError with a message for the user)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """The argon2id hash (PHC string, salt included) of `password`."""
    return (hasher or default_hasher()).hash(password)


def verify_password(
    stored_hash: str | None, password: str, *, hasher: PasswordHasher | None = None
) -> Verdict:
    """Check `password` against `stored_hash`, taking as long when there is no hash at all.

    With `stored_hash` None (no such user) a dummy hash is checked instead, so that the answer
    takes the same time whether the account exists or not. On success, `new_hash` carries a
    fresh hash when the stored one was made with other parameters than the current ones.
    """
    hasher = hasher or default_hasher()
    if stored_hash is None:
        _verify(hasher, _dummy_hash(hasher), password)
        return Verdict(ok=False)
    if not _verify(hasher, stored_hash, password):
        return Verdict(ok=False)
    if hasher.check_needs_rehash(stored_hash):
        return Verdict(ok=True, new_hash=hasher.hash(password))
    return Verdict(ok=True)


def _verify(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # A hash of a random password with the same parameters as real ones, so it costs the same.
    return hasher.hash(secrets.token_urlsafe(16))
