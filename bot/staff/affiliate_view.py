"""What an affiliate may see of an inquiry: the one place that decides it (least privilege).

Pure (no database, no web): it takes the inquiry record as the store reads it, the affiliate, and
the inquiry's routing decisions and status history, and returns the affiliate's view. The console
pages and the JSON API both show affiliates only this view.

- The affiliate holding the inquiry (its decision is the current one) sees the inquiry, but not
  staff-only notes, other affiliates' deliveries, or who at Wikimedia or at another affiliate did
  what (their e-mail addresses become "Wikimedia staff" / "another affiliate").
- An affiliate that declined, or was re-routed or re-assigned away, sees only what it saw while it
  held the inquiry: the decisions up to its own last one, the status history up to its own decline
  (not where the inquiry went next), shared notes written before its holding ended, its own
  deliveries, and its own decision as the routing. The partner's contact details are withheld: the
  affiliate no longer handles the inquiry, and whatever changed in them later is not its business.

Records are mappings; `created_at` values are comparable datetimes; decisions carry `id`,
`affiliate_id`, `rule`, `reasons`, `alternatives`, `created_at`; history entries `from_status`,
`to_status`, `actor`, `reason`, `created_at`; notes (when present) `author`, `author_role`,
`author_affiliate_id`, `visibility`, `body`, `created_at`; deliveries (when present) `affiliate_id`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

STAFF_LABEL = "Wikimedia staff"
OTHER_AFFILIATE_LABEL = "another affiliate"
DECLINED = "declined"

#: A person in a text: an actor as the lifecycle writes them (staff:<e-mail>,
#: affiliate:<id>[:<e-mail>]), or any e-mail address.
_PERSON = re.compile(
    r"staff:[^\s,;:]+|affiliate:[A-Za-z0-9_-]+(?::[^\s,;:]+@[^\s,;:]+)?|[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+"
)


def affiliate_view(
    inquiry: Mapping[str, Any],
    *,
    affiliate_id: str,
    decisions: Sequence[Mapping[str, Any]],
    history: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The inquiry as `affiliate_id` may see it: the same keys (the optional `decisions`,
    `history`, `notes` and `deliveries` filtered where present), plus `holding` (whether the
    affiliate holds it now)."""
    ordered = sorted(decisions, key=lambda d: d["id"])
    own = [d for d in ordered if d["affiliate_id"] == affiliate_id]
    last_own = own[-1] if own else None
    later = [d for d in ordered if last_own is None or d["id"] > last_own["id"]]
    # When the affiliate's holding ended: the first decision after its last one (None: it holds).
    ended: datetime | None = later[0]["created_at"] if later else None
    holding = last_own is not None and ended is None
    view = dict(inquiry)
    view["holding"] = holding
    seen_history = [h for h in history if _seen(h, ended)]
    if "decisions" in inquiry:
        view["decisions"] = [_masked_decision(d, affiliate_id) for d in ordered if d not in later]
    if "history" in inquiry:
        view["history"] = [
            {**h, "actor": actor_label(h.get("actor"), affiliate_id), "reason": mask_people(h.get("reason"), affiliate_id)}
            for h in seen_history
        ]
    if "notes" in inquiry:
        view["notes"] = [
            {**n, "author": _author(n, affiliate_id)}
            for n in inquiry["notes"]
            if n.get("visibility") == "shared" and (ended is None or n["created_at"] < ended)
        ]
    if "deliveries" in inquiry:
        view["deliveries"] = [d for d in inquiry["deliveries"] if d.get("affiliate_id") == affiliate_id]
    routing = inquiry.get("routing")
    if not holding:
        routing = None if last_own is None else {
            "affiliate_id": affiliate_id, "rule": last_own["rule"], "reasons": list(last_own.get("reasons") or []),
            "alternatives": list(last_own.get("alternatives") or []),
        }
        view["contact"] = {"name": None, "email": None}
        if seen_history:
            view["status"] = seen_history[-1]["to_status"]
    if routing is not None:
        routing = {**routing, "reasons": [mask_people(r, affiliate_id) for r in routing.get("reasons") or []]}
    view["routing"] = routing
    return view


def actor_label(actor: str | None, affiliate_id: str) -> str:
    """Who did it, as the affiliate may know: its own people by name, others by their role."""
    text = actor or ""
    if text == "staff" or text.startswith("staff:"):
        return STAFF_LABEL
    if text.startswith("affiliate:"):
        return text if text.split(":")[1] == affiliate_id else OTHER_AFFILIATE_LABEL
    return mask_people(text, affiliate_id) or ""


def mask_people(text: str | None, affiliate_id: str) -> str | None:
    """`text` with staff and other affiliates' actors named by their role, and any other e-mail
    address removed; the affiliate's own actors stay."""
    if not text:
        return text

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith(("staff:", "affiliate:")):
            return actor_label(token, affiliate_id)
        return "(address)"

    return _PERSON.sub(replace, text)


def _seen(entry: Mapping[str, Any], ended: datetime | None) -> bool:
    """An entry of the status history the affiliate saw: before its holding ended, or its own
    decline at that moment (written with the next decision, which it does not see)."""
    if ended is None:
        return True
    return entry["created_at"] < ended or (entry["created_at"] == ended and entry.get("to_status") == DECLINED)


def _masked_decision(decision: Mapping[str, Any], affiliate_id: str) -> dict[str, Any]:
    return {**decision, "reasons": [mask_people(r, affiliate_id) for r in decision.get("reasons") or []]}


def _author(note: Mapping[str, Any], affiliate_id: str) -> str:
    if note.get("author_role") == "affiliate" and note.get("author_affiliate_id") == affiliate_id:
        return str(note.get("author") or "")
    return STAFF_LABEL if note.get("author_role") == "staff" else OTHER_AFFILIATE_LABEL
