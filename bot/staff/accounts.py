"""Console accounts and roles: who a user is and what they may see. Pure (no I/O).

The role model lives here and only here: every page, export and API call asks a `User`
(`can_see_affiliate`, `affiliate_scope`) instead of comparing roles itself, so that affiliate
scoping is decided in one place.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

#: The longest e-mail address SMTP allows (RFC 5321 path limit), and the column's size.
MAX_EMAIL_LENGTH = 320


class Role(str, Enum):
    """Staff see everything; an affiliate user sees only their affiliate's inquiries."""

    STAFF = "staff"
    AFFILIATE = "affiliate"


class AccountError(ValueError):
    """An account that cannot be created as asked; the message is fit for the user."""


#: How often an affiliate user is e-mailed a digest of its new and waiting inquiries.
DIGESTS = ("off", "daily")


@dataclass(frozen=True)
class User:
    """A console user as the application sees it (never the password hash)."""

    id: int
    email: str
    role: Role
    affiliate_id: str | None = None
    disabled: bool = False
    created_at: datetime | None = None
    last_login_at: datetime | None = None
    #: The e-mail digest of new and waiting inquiries (affiliate users): one of DIGESTS.
    digest: str = "off"
    #: The account's language (a code of bot/responses), None: not chosen.
    language: str | None = None

    @property
    def is_staff(self) -> bool:
        """Whether the user is staff (sees every affiliate's inquiries and the review tools)."""
        return self.role is Role.STAFF

    @property
    def affiliate_scope(self) -> str | None:
        """The one affiliate whose data the user may see, or None for no restriction (staff)."""
        return None if self.is_staff else self.affiliate_id

    def can_see_affiliate(self, affiliate_id: str | None) -> bool:
        """Whether data routed to `affiliate_id` is visible to this user.

        Staff see everything, including inquiries routed to nobody; an affiliate user only
        their own affiliate's, and a disabled user nothing.
        """
        if self.disabled:
            return False
        if self.is_staff:
            return True
        return affiliate_id is not None and affiliate_id == self.affiliate_id


def normalize_email(raw: str) -> str:
    """The stored form of an e-mail address: trimmed and lower-cased."""
    return raw.strip().lower()


def check_email(raw: str) -> str:
    """`raw` normalised, or AccountError when it cannot be an e-mail address."""
    email = normalize_email(raw)
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(ch.isspace() for ch in email):
        raise AccountError(f"{raw.strip()!r} is not an e-mail address")
    if len(email) > MAX_EMAIL_LENGTH:
        raise AccountError(f"an e-mail address has at most {MAX_EMAIL_LENGTH} characters")
    return email


def check_role(role: str, affiliate_id: str | None, *, known_affiliates: Container[str]) -> Role:
    """The role, once it and the affiliate fit together; AccountError otherwise.

    An affiliate user needs an affiliate of data/affiliates.csv; a staff user must have none
    (a staff account tied to an affiliate would look scoped while seeing everything).
    """
    try:
        parsed = Role(role)
    except ValueError:
        raise AccountError(f"role must be one of: {', '.join(r.value for r in Role)}") from None
    if parsed is Role.STAFF and affiliate_id:
        raise AccountError("a staff user belongs to no affiliate (leave out --affiliate)")
    if parsed is Role.AFFILIATE:
        if not affiliate_id:
            raise AccountError(
                "an affiliate user needs an affiliate (--affiliate ID, an id of data/affiliates.csv)"
            )
        if affiliate_id not in known_affiliates:
            raise AccountError(f"unknown affiliate {affiliate_id!r}: not an id of data/affiliates.csv")
    return parsed
