"""The conversation store during a real PostgreSQL outage (its connections cut by a TCP proxy):
reading or saving raises TrackerStoreUnavailable, never "no conversation", nothing of the turn
is written, and the first read after the outage works (pre-pinged pool)."""
from __future__ import annotations

import asyncio
import os

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from tcp_proxy import postgres_behind_proxy

from bot.data import ROOT
from integrations.tracker.store import PrivateSQLTrackerStore, TrackerStoreUnavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied():
    """(proxy, URL through it) of a scratch schema on the test PostgreSQL server."""
    base = os.environ.get("INTAKE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("INTAKE_TEST_POSTGRES_URL is not set")
    with postgres_behind_proxy(base, "outage") as (proxy, url, _):
        yield proxy, url


def test_an_outage_is_an_error_and_the_store_reads_again_after_it(proxied):
    proxy, url = proxied
    domain = Domain.load(str(ROOT / "bot" / "domain"))
    store = PrivateSQLTrackerStore(domain=domain, host=url)
    try:
        first = DialogueStateTracker.from_events("c1", [UserUttered("bonjour"), SlotSet("language", "fr")],
                                                 domain.slots)
        asyncio.run(store.save(first))
        assert asyncio.run(store.retrieve("c1")).get_slot("language") == "fr"
        proxy.cut()
        with pytest.raises(TrackerStoreUnavailable):
            asyncio.run(store.retrieve("c1"))
        second = DialogueStateTracker.from_events(
            "c1", [*first.events, UserUttered("Musée de Lyon"), SlotSet("organization_name", "Musée de Lyon")],
            domain.slots)
        with pytest.raises(TrackerStoreUnavailable):
            asyncio.run(store.save(second))
        proxy.restore()
        back = asyncio.run(store.retrieve("c1"))
        assert back is not None and back.get_slot("language") == "fr"
        assert back.get_slot("organization_name") is None  # the failed save wrote nothing
    finally:
        store.engine.dispose()
