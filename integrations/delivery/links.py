"""Signed, expiring accept / decline links on the console for a routing decision."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot.delivery.signing import sign_link


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


@dataclass(frozen=True)
class LinkMaker:
    public_url: str
    secret: str = field(repr=False)

    def url(self, token_id: str, action: str, expires_at: datetime) -> str:
        token = sign_link(token_id, action, _epoch(expires_at), self.secret)
        return f"{self.public_url.rstrip('/')}/respond/{token}"

    def for_tokens(self, tokens: dict[str, tuple[str, datetime]]) -> dict[str, str]:
        """{view, accept, decline} URLs; `view` opens the accept page, which shows the inquiry."""
        links = {action: self.url(token_id, action, expires) for action, (token_id, expires) in tokens.items()}
        if "accept" in links:
            links["view"] = links["accept"]
        return links
