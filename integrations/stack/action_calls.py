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

- Kept connections. Rasa's `EndpointConfig.request` opens a new aiohttp session, and so a new
  TCP connection, for every call, and encodes the whole conversation with the standard json
  module: the connection set-up and the encoding were a tenth of the Rasa server's CPU in a
  profile of `make bench`. A plain endpoint (no certificate file: Rasa's own code reads that
  one) is called here through one kept session per event loop instead, with the body encoded
  by orjson, and otherwise exactly as Rasa sends it (headers, parameters, token, basic auth,
  timeout, compression, the error on a status of 400 or more, None for a non-JSON answer).
  Idle connections are closed after KEEPALIVE_SECONDS, before the action server (Sanic: 5 s)
  would close them under a new request; the retry above covers the remaining race.

`install()` (integrations/stack/rasa_server.py, before Rasa runs) wraps `RemoteAction.run`;
tests/unit/test_action_calls.py fails if an upgrade of Rasa changes the wrapped function.
"""
from __future__ import annotations

import asyncio
import json
import logging
import weakref
from typing import Any

import aiohttp
import orjson

from integrations.channels import turns

log = logging.getLogger(__name__)

#: A connection that closed under the request: worth exactly one more try on a fresh one.
CLOSING_CONNECTION = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
#: Idle kept connections are closed after this long: less than the action server's keep-alive
#: (Sanic's default, 5 s), so that the client, not the server, closes an idle one.
KEEPALIVE_SECONDS = 2.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def _session() -> aiohttp.ClientSession:
    """The kept session of the running event loop (made on first use)."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS)
        session = aiohttp.ClientSession(connector=connector,
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))
        _sessions[loop] = session
    return session


def dumps(body: Any) -> bytes:
    """`body` as JSON: orjson, or the json module for what orjson refuses (e.g. a key that is
    not a string), as Rasa's own call would have encoded it. NumPy numbers are written as
    numbers: the classifiers' confidences are NumPy floats, which the json module writes as
    floats too (and without the option orjson would refuse every message's parse data)."""
    try:
        return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:
        return json.dumps(body).encode()


async def send(endpoint: Any, method: str = "post", subpath: str | None = None,
               content_type: str | None = "application/json", compress: bool = False, **kwargs: Any) -> Any:
    """What `EndpointConfig.request` does (rasa/utils/endpoints.py), on the kept session."""
    from rasa.utils.endpoints import ClientResponseError, concat_url

    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(endpoint.headers or {})
    if "json" in kwargs:
        kwargs["data"] = dumps(kwargs.pop("json"))
    auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"]) \
        if endpoint.basic_auth else None
    params = endpoint.combine_parameters(kwargs)
    async with _session().request(method, concat_url(endpoint.url, subpath), headers=headers, params=params,
                                  compress=compress, auth=auth, **kwargs) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json(loads=orjson.loads)
        except aiohttp.ContentTypeError:
            return None


class RetryingEndpoint:
    """An action endpoint (Rasa's EndpointConfig) whose `request` is sent again once when the
    connection closed under it; everything else is the endpoint's own."""

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self.endpoint, name)

    async def request(self, **kwargs: Any) -> Any:
        try:
            return await self._request(dict(kwargs))
        except CLOSING_CONNECTION as error:
            if isinstance(error, aiohttp.ClientConnectorError):
                raise  # no connection was made at all: the server is down, not closing a connection
            log.warning("action call failed on a closing connection (%s); sent once more", type(error).__name__)
            return await self._request(dict(kwargs))

    async def _request(self, kwargs: dict[str, Any]) -> Any:
        from rasa.utils.endpoints import EndpointConfig

        if type(self.endpoint) is EndpointConfig and not self.endpoint.cafile:
            return await send(self.endpoint, **kwargs)
        return await self.endpoint.request(**kwargs)  # a subclass, or a certificate to read: Rasa's own


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
