"""The e-mail carrying a console password reset link. Pure: an `EmailMessage`, nothing sent.

Plain text only: the link must be readable and copyable in any mail client, and there is
nothing to lay out.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

SUBJECT = "Reset your partner intake console password"


def reset_email(*, to: str, link: str, minutes: int, sender: str) -> EmailMessage:
    """The message to `to` with the single-use `link`, which works for `minutes`."""
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(
        "Someone, probably you, asked to reset the password of your account on the Wikimedia\n"
        "partner intake console.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n\n"
        f"{link}\n\n"
        "The link works once. Setting a new password logs your account out everywhere.\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
    )
    return message


def _domain(sender: str) -> str:
    try:
        return Address(addr_spec=parseaddr(sender)[1]).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"
