"""Closing an inquiry from the console's page and the JSON API: the same checks (who may close
which inquiry for which reason, bot/intake/closing.py), the same store call, the same messages."""
from __future__ import annotations

from aiohttp import web

from bot.delivery.lifecycle import close_inquiry
from bot.intake.closing import CloseReason, parse_reason, refusal
from bot.store.console.inquiries import inquiry_detail
from integrations.console import db
from integrations.console.i18n import N_

#: What each refusal says (English, as the JSON API says it; the console's page translates it),
#: and its HTTP status.
REFUSALS = {
    "unknown_reason": (400, N_("Choose a reason: done, duplicate, spam or no longer interested.")),
    "no_original": (400, N_("A duplicate needs the reference of an existing original inquiry (not itself).")),
    "not_closable": (409, N_("The inquiry is closed already, or was deflected.")),
    "not_yours": (403, N_("An affiliate closes only an inquiry it has accepted and still holds.")),
    "staff_reason": (403, N_("Only staff close an inquiry as spam or as a duplicate.")),
}
#: The reasons as the console's form names them (English; shown translated).
REASON_LABELS = {
    CloseReason.DONE: N_("Done: the partnership is handled"),
    CloseReason.DUPLICATE: N_("Duplicate of another inquiry"),
    CloseReason.SPAM: N_("Spam"),
    CloseReason.NO_LONGER_INTERESTED: N_("The partner is no longer interested"),
}
MAX_NOTE = 2000


class Refused(Exception):
    """A closing that was not done: `key` of REFUSALS."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    @property
    def status(self) -> int:
        return REFUSALS[self.key][0]

    @property
    def text(self) -> str:
        return REFUSALS[self.key][1]


async def close(request: web.Request, *, reference: str, scope: str | None, actor: str, reason: object,
                duplicate_of: object = None, note: object = None) -> None:
    """Close the inquiry `reference` as `scope` (None: staff) may; raises Refused, or
    web.HTTPNotFound when the scope may not see it."""
    inquiry = await db.read(request, inquiry_detail, reference=reference, scope=scope)
    if inquiry is None:
        raise web.HTTPNotFound(text="No such inquiry.")
    chosen = parse_reason(reason)
    if chosen is None:
        raise Refused("unknown_reason")
    why = refusal(status=inquiry["status"], reason=chosen, affiliate=scope is not None,
                  holding=bool(inquiry.get("holding")))
    if why:
        raise Refused(why)
    # NUL is dropped: PostgreSQL refuses it in text, and nobody means one.
    text = str(note or "").replace("\x00", "").strip()[:MAX_NOTE] or None
    original = str(duplicate_of or "").replace("\x00", "").strip()[:64] or None
    done = await db.write(request, close_inquiry, reference=inquiry["reference"], reason=chosen, actor=actor,
                          duplicate_of=original, note=text)
    if done.error:
        raise Refused(done.error)
