"""integrations/stack/graph_runner.py: the trained model's graph run by SequentialGraphRunner
gives Rasa's DaskGraphRunner's results (NLU parses and policy predictions), and an upgrade of
Rasa that changes the replaced code fails here, so the replacement is reviewed."""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import time

import pytest
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from integrations.stack import graph_runner
from integrations.stack.graph_runner import SequentialGraphRunner

#: SHA-256 of the code replaced or relied on, in Rasa 3.6.21: DaskGraphRunner.run and the model
#: loading that picks the runner class by its name in rasa.core.processor.
RASA_SOURCES = {
    "DaskGraphRunner.run": "45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e",
    "MessageProcessor._load_model": "17f24faf96817bdf63af426fcbf3e2d830731a801573e448c070fc0ebb396ad2",
}

MESSAGES = [
    "Hello, our museum would like to donate photos to Wikimedia Commons",
    "Bonjour, nous sommes une bibliothèque à Lyon et voulons organiser un edit-a-thon",
    "Hola, somos una universidad en Chile",
    "Guten Tag, wir möchten Daten an Wikidata spenden",
    "مرحبا، نحن متحف في مصر",
    "yes", "no", "I don't know", "what's the weather like tomorrow", "asdf qwer",
]


def _sources() -> dict[str, str]:
    return {"DaskGraphRunner.run": inspect.getsource(DaskGraphRunner.run),
            "MessageProcessor._load_model": inspect.getsource(rasa.core.processor.MessageProcessor._load_model)}


def test_the_replaced_code_is_rasas_as_reviewed():
    found = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in _sources().items()}
    assert found == RASA_SOURCES, "Rasa's graph runner or model loading changed: review integrations/stack/graph_runner.py"
    # The hook: the processor names its runner class at module level and passes it to the loader.
    assert "DaskGraphRunner," in _sources()["MessageProcessor._load_model"]


@pytest.fixture(scope="module")
def agents():
    from bot.nlp.train import train

    path = str(train())
    rasas = Agent.load(path)
    assert isinstance(rasas.processor.graph_runner, DaskGraphRunner)
    assert not isinstance(rasas.processor.graph_runner, SequentialGraphRunner)
    original = rasa.core.processor.DaskGraphRunner
    graph_runner.install()
    try:
        ours = Agent.load(path)
    finally:
        rasa.core.processor.DaskGraphRunner = original  # type: ignore[misc]
    assert isinstance(ours.processor.graph_runner, SequentialGraphRunner)
    return rasas, ours


def _tracker(parse: dict, *after: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              UserUttered(parse["text"], parse["intent"], parse["entities"], parse)]
    events += [ActionExecuted(name) for name in after]
    return DialogueStateTracker.from_events("graph-runner-test", events)


def test_parses_and_predictions_are_rasas(agents):
    rasas, ours = agents
    loop = asyncio.new_event_loop()
    try:
        timings = {"rasa": 0.0, "ours": 0.0}
        for text in MESSAGES:
            parses = {}
            for name, agent in (("rasa", rasas), ("ours", ours)):
                started = time.perf_counter()
                parses[name] = loop.run_until_complete(agent.parse_message(text))
                timings[name] += time.perf_counter() - started
            assert parses["ours"] == parses["rasa"], text
            after: list[str] = []
            for _ in range(3):  # the first prediction of the turn, then after each predicted action
                predictions = []
                for name, agent in (("rasa", rasas), ("ours", ours)):
                    tracker = _tracker(parses["rasa"], *after)
                    started = time.perf_counter()
                    predictions.append(agent.processor._predict_next_with_tracker(tracker))
                    timings[name] += time.perf_counter() - started
                assert predictions[0].probabilities == predictions[1].probabilities, (text, after)
                assert predictions[0].policy_name == predictions[1].policy_name
                assert predictions[0].events == predictions[1].events
                best = predictions[0].max_confidence_index
                after.append(rasas.domain.action_names_or_texts[best])
                if after[-1] == "action_listen":
                    break
        print(f"\n{len(MESSAGES)} NLU parses and their predictions: Rasa's runner {timings['rasa'] * 1000:.0f} ms, "
              f"ours {timings['ours'] * 1000:.0f} ms")
    finally:
        loop.close()


def test_inputs_clashing_with_a_node_and_a_cycle_are_refused(agents):
    _, ours = agents
    runner: SequentialGraphRunner = ours.processor.graph_runner
    target = ours.processor.model_metadata.nlu_target
    node = next(iter(runner._graph_schema.nodes))
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner.run(inputs={"__message__": node}, targets=[target])


def test_the_launcher_installs_it_before_rasa_runs():
    from integrations.stack import rasa_server

    source = inspect.getsource(rasa_server.main)
    assert source.index("graph_runner.install()") < source.index("rasa.cli.run.run(args)")
