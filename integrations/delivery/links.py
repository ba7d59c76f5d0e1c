"""Links to the console in what is delivered: signed, expiring accept / decline links for a
routing decision, and the pages a hand-off notice opens."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

from bot.delivery.signing import sign_link

#: The console pages a hand-off notice links to: the hand-off inbox and a conversation's
#: transcript (integrations/console/pages/conversations.py, LIST + "/{sender_id}";
#: tests/integration/test_handoff_notifications.py checks that the console serves them).
HANDOFF_INBOX_PATH = "/console/handoffs"
CONVERSATION_PATH = "/console/conversations/{conversation_id}"


def handoff_links(public_url: str, conversation_id: str) -> dict[str, str]:
    """{inbox, conversation}: where staff answer a partner who asked for a person."""
    base = public_url.rstrip("/")
    return {"inbox": base + HANDOFF_INBOX_PATH,
            "conversation": base + CONVERSATION_PATH.format(conversation_id=quote(conversation_id, safe=""))}


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
