"""Rasa's calls to the action server: retried once on a connection that was closing, and a call
that fails anyway fails the whole turn (integrations/channels/turns.py).

- Retry. A kept-alive connection the action server closes just as Rasa reuses it fails with
  aiohttp's ServerDisconnectedError or ClientOSError ("Cannot write to closing transport"):
  `validate_intake_form` failed so twice without any other fault, and the turn's events were
  lost. Such a call is sent once more, on a fresh connection. Once only: an action server that
  is down must not make every message wait for a series of attempts. (A call repeated after the
  server had run it is safe here: submitting a conversation that was submitted already gives
  back its stored inquiry, bot/intake/service.py `submit`.)
- Failure. Any other error of the call (the server down, a 500, a timeout, an invalid
  response) marks the turn failed, wherever Rasa called the action from: the processor, a
  form's `validate_*` call, or the slot extraction, which swallows such errors. The turn is
  then not saved, and the channel asks the partner to send the message again. A rejection
  (`ActionExecutionRejection`, HTTP 400 from the SDK) is part of the dialogue, not a failure.

`install()` (integrations/stack/rasa_server.py, before Rasa runs) wraps `RemoteAction.run`;
tests/unit/test_action_calls.py fails if an upgrade of Rasa changes the wrapped function.
"""
from __future__ import annotations

import logging
from typing import Any

import aiohttp

from integrations.channels import turns

log = logging.getLogger(__name__)

#: A connection that closed under the request: worth exactly one more try on a fresh one.
CLOSING_CONNECTION = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


class RetryingEndpoint:
    """An action endpoint (Rasa's EndpointConfig) whose `request` is sent again once when the
    connection closed under it; everything else is the endpoint's own."""

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self.endpoint, name)

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self.endpoint.request(*args, **kwargs)
        except CLOSING_CONNECTION as error:
            if isinstance(error, aiohttp.ClientConnectorError):
                raise  # no connection was made at all: the server is down, not closing a connection
            log.warning("action call failed on a closing connection (%s); sent once more", type(error).__name__)
            return await self.endpoint.request(*args, **kwargs)


def install() -> None:
    """Wrap RemoteAction.run with the retry and the turn failure (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    original = RemoteAction.run
    if getattr(original, "intake_wrapped", False):
        return

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        endpoint = self.action_endpoint
        if endpoint is not None and not isinstance(endpoint, RetryingEndpoint):
            self.action_endpoint = RetryingEndpoint(endpoint)
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            turns.fail(error)
            raise

    run.intake_wrapped = True  # type: ignore[attr-defined]
    run.wrapped = original  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[method-assign]
