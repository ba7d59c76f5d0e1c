"""integrations/stack/action_calls.py: an action call is sent once more when the connection closed
under it, and a call that fails anyway fails the turn (so that the turn is not saved), while a
rejection by the action server stays part of the dialogue. An upgrade of Rasa that changes the
wrapped RemoteAction.run fails here, so that the wrapper is reviewed."""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import socket

import aiohttp
import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from integrations.channels import turns
from integrations.stack import action_calls

#: SHA-256 of RemoteAction.run's source in Rasa 3.6.21: it calls `self.action_endpoint.request`
#: once, raises ActionExecutionRejection on a 400 and RasaException on other failures.
RASA_SOURCE = "ccabf6f1160d527a157fad5bd285ce69e8221b1bcad23f8a61499b4360a1c17e"
RESPONSE = {"events": [{"event": "slot", "name": "country", "value": "FR", "timestamp": None}], "responses": []}


class Endpoint(EndpointConfig):
    """An action endpoint whose calls fail with `errors` in turn, then answer RESPONSE."""

    def __init__(self, *errors: BaseException) -> None:
        super().__init__("http://127.0.0.1:9/webhook")
        self.errors = list(errors)
        self.calls = 0

    async def request(self, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return RESPONSE


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(RemoteAction, "run", getattr(RemoteAction.run, "wrapped", RemoteAction.run))
    action_calls.install()
    return RemoteAction.run


def call(endpoint: Endpoint) -> tuple[list, turns.Turn]:
    async def run():
        with turns.turn() as turn:
            try:
                return await RemoteAction("action_x", endpoint).run(None, None, DialogueStateTracker("s", []),
                                                                    Domain.empty()), turn
            except Exception as error:
                error.turn = turn
                raise

    return asyncio.run(run())


def test_the_wrapped_function_is_rasas_as_reviewed():
    original = getattr(RemoteAction.run, "wrapped", RemoteAction.run)
    source = inspect.getsource(original)
    assert hashlib.sha256(source.encode()).hexdigest() == RASA_SOURCE, (
        "Rasa's RemoteAction.run changed: review integrations/stack/action_calls.py")


def test_install_is_idempotent_and_the_launcher_installs_it_before_rasa_runs(installed):
    action_calls.install()
    assert RemoteAction.run is installed and installed.intake_wrapped
    from integrations.stack import rasa_server

    source = inspect.getsource(rasa_server.main)
    assert source.index("action_calls.install()") < source.index("rasa.cli.run.run(args)")


@pytest.mark.parametrize("closing", [aiohttp.ServerDisconnectedError(),
                                     aiohttp.ClientOSError(0, "Cannot write to closing transport")])
def test_a_call_on_a_closing_connection_is_sent_once_more(installed, closing):
    endpoint = Endpoint(closing)
    events, turn = call(endpoint)
    assert endpoint.calls == 2 and [e.key for e in events] == ["country"]
    assert not turn.failed


def test_only_once(installed):
    endpoint = Endpoint(aiohttp.ServerDisconnectedError(), aiohttp.ServerDisconnectedError())
    with pytest.raises(RasaException) as failed:
        call(endpoint)
    assert endpoint.calls == 2
    assert failed.value.turn.failure == "RasaException"


@pytest.mark.parametrize("error", [ClientResponseError(500, "Internal Server Error", ""), asyncio.TimeoutError()])
def test_a_failed_call_fails_the_turn_and_is_not_repeated(installed, error):
    endpoint = Endpoint(error)
    with pytest.raises(Exception) as failed:
        call(endpoint)
    assert endpoint.calls == 1 and failed.value.turn.failed


def test_an_action_server_that_is_down_fails_the_turn(installed):
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        endpoint = EndpointConfig(f"http://127.0.0.1:{closed.getsockname()[1]}/webhook")
        with pytest.raises(RasaException) as failed:
            call(endpoint)  # type: ignore[arg-type]
    assert failed.value.turn.failure == "RasaException"


def test_a_rejection_is_part_of_the_dialogue_not_a_failure(installed):
    rejection = ClientResponseError(400, "Bad Request", json.dumps({"action_name": "action_x", "error": "no"}))
    with pytest.raises(ActionExecutionRejection) as rejected:
        call(Endpoint(rejection))
    assert not rejected.value.turn.failed


def test_without_a_turn_a_failure_only_raises(installed):
    async def run():
        await RemoteAction("action_x", Endpoint(ClientResponseError(500, "x", ""))).run(
            None, None, DialogueStateTracker("s", []), Domain.empty())

    with pytest.raises(RasaException):
        asyncio.run(run())
