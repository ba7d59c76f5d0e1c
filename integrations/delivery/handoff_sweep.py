"""Hand-offs nobody picked up in time: the delivery worker's periodic sweep (issue 14).

A partner who asked for a person must not wait in silence because everybody who was available
went away: after INTAKE_HANDOFF_WAIT_MINUTES without a claim, the worker runs the assistant's
`action_handoff_unclaimed` in the conversation (through Rasa's HTTP API, as the console does for
a person's replies). The action ends the hand-off as missed (the inquiry will want a person),
says so honestly in the partner's language, offers to ask again, and resumes the question it had
paused.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.orm import sessionmaker as SessionMaker

from bot.store.handoffs import unclaimed
from integrations.console.rasa_api import RasaApi, RasaUnavailable

log = logging.getLogger(__name__)

UNCLAIMED_ACTION = "action_handoff_unclaimed"


def _due(sessionmaker: SessionMaker, now: datetime, wait_minutes: int) -> list[str]:
    with sessionmaker.begin() as session:
        return unclaimed(session, now=now, wait_minutes=wait_minutes)


async def sweep_unclaimed(*, sessionmaker: SessionMaker, rasa: RasaApi, now: datetime, wait_minutes: int) -> int:
    """Tell every partner who waited too long; how many were told. Rasa down: tried next round."""
    told = 0
    for conversation_id in await asyncio.to_thread(_due, sessionmaker, now, wait_minutes):
        try:
            await rasa.run_action(conversation_id, UNCLAIMED_ACTION)
        except RasaUnavailable as error:
            log.warning("an unclaimed hand-off could not be ended: %s", error)
            break
        told += 1
    return told
