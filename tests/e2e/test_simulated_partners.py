"""A seeded sample of the partner simulator (`make simulate` runs 300 and more) against the real
servers: every message gets a reply, no question is asked more than three times, every slot
holds a contract value, and nearly every partner completes with every field right. A held-out
sample of real everyday requests (CLINC150 validation split) never starts an intake."""
from __future__ import annotations

import pytest

from tests.simulation.partner import Endpoints
from tests.simulation.runner import report, run_out_of_scope, run_partners, summarise

pytestmark = pytest.mark.e2e

#: Partners in the sample (five per language) and its seed; the full run is `make simulate`.
SAMPLE, SEED = 30, 2026


@pytest.fixture(scope="module")
def endpoints(stack):
    return Endpoints(stack.rasa_url, stack.console_url, stack.env["INTAKE_API_TOKEN"], stack.rasa_admin_token)


def test_simulated_partners_in_six_languages(endpoints):
    outcomes = run_partners(endpoints, count=SAMPLE, seed=SEED,
                            languages=("en", "es", "fr", "pt", "de", "ar"), workers=3)
    text = report(outcomes, None, show=10)
    invariants = [p for o in outcomes for p in o.problems
                  if p.startswith(("no reply", "apology", "invalid ", "the question")) or "asked more than" in p]
    assert not invariants, text
    assert summarise(outcomes)["all"]["right"] >= 0.9, text


def test_held_out_everyday_requests_never_start_an_intake(endpoints):
    result = run_out_of_scope(endpoints, limit=120, seed=SEED, workers=3)
    assert not result.unanswered and not result.started, (result.unanswered, result.started)
