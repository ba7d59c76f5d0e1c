"""Stand-ins shared by the store tests."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FakeDecision:
    """Stands in for bot.routing.engine.Decision."""

    affiliate_id: str = "wm-fr"
    rule: str = "country:chapter"
    reasons: tuple[str, ...] = ("Wikimedia France is the chapter for France.",)
    alternatives: tuple[str, ...] = ("ug-fr-glam", "wmf-partnerships")
    wikimedia_region: str | None = "Europe"
