"""integrations/channels/ordering.py: a conversation's messages take turns in arrival order,
other conversations do not wait, and no lock outlives the messages that used it."""
from __future__ import annotations

import asyncio
import random

from integrations.channels.ordering import Sequencer


def test_messages_of_one_conversation_keep_their_order_whatever_their_awaits_take():
    async def scenario() -> tuple[list[str], int]:
        turns, done = Sequencer(), []

        async def handle(conversation: str, n: int) -> None:
            async with turns.turn(conversation):
                await asyncio.sleep(random.uniform(0, 0.01))  # a thread hop of varying length
                done.append(f"{conversation}{n}")

        await asyncio.gather(*(handle(c, n) for n in range(20) for c in ("a", "b")))
        return done, len(turns)

    random.seed(3)
    done, left = asyncio.run(scenario())
    assert [d for d in done if d.startswith("a")] == [f"a{n}" for n in range(20)]
    assert [d for d in done if d.startswith("b")] == [f"b{n}" for n in range(20)]
    assert done.index("b0") < done.index("a19")  # another conversation does not wait for this one
    assert left == 0
