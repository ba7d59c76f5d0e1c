"""Action calls on the kept session (integrations/stack/action_calls.py): against a real local
HTTP server, they send what Rasa's own `EndpointConfig.request` sends (method, path, query with
the token, headers, basic auth, the JSON body) and get the same answers and errors back, over
one kept connection instead of one connection per call."""
from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from integrations.stack import action_calls

BODY = {"next_action": "validate_intake_form", "tracker": {"sender_id": "s", "slots": {"country": "FR", "n": 1.5},
                                                           "events": [{"event": "user", "text": "Musée ✓"}]}}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.peers: set[tuple] = set()

    async def handle(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername"))
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query),
                              "type": request.headers.get("Content-Type"), "auth": request.headers.get("Authorization"),
                              "extra": request.headers.get("X-Extra"), "body": json.loads(await request.read() or b"null")})
        if request.path.endswith("/fail"):
            return web.Response(status=500, text="broken")
        if request.path.endswith("/plain"):
            return web.Response(text="not json")
        return web.json_response({"events": [], "responses": [{"text": "Merci"}]})


async def _exchange(use_ours: bool) -> tuple[list, Recorder]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", params={"a": "1"}, headers={"X-Extra": "yes"},
                              basic_auth={"username": "rasa", "password": "pw"}, token="t0k", token_name="key")
    call = (lambda **kw: action_calls.send(endpoint, **kw)) if use_ours else endpoint.request
    answers: list = []
    try:
        for _ in range(3):
            answers.append(await call(json=BODY, method="post", timeout=10, compress=False))
        answers.append(await call(method="get", subpath="plain"))
        with pytest.raises(ClientResponseError) as failed:
            await call(json=BODY, method="post", subpath="fail")
        answers.append((failed.value.status, failed.value.text))
    finally:
        await runner.cleanup()
    return answers, recorder


def test_calls_are_rasas_on_one_kept_connection():
    loop = asyncio.new_event_loop()
    try:
        rasas_answers, rasas = loop.run_until_complete(_exchange(use_ours=False))
        our_answers, ours = loop.run_until_complete(_exchange(use_ours=True))
    finally:
        loop.close()
    assert our_answers == rasas_answers
    assert our_answers[0] == {"events": [], "responses": [{"text": "Merci"}]} and our_answers[3] is None
    assert ours.requests == rasas.requests
    assert ours.requests[0]["query"] == {"a": "1", "key": "t0k"} and ours.requests[0]["auth"].startswith("Basic ")
    assert ours.requests[0]["body"] == BODY
    assert len(rasas.peers) == 5  # Rasa: a new connection for each call
    assert len(ours.peers) == 1  # ours: the same connection throughout


def test_what_orjson_refuses_is_encoded_as_rasa_would():
    assert json.loads(action_calls.dumps({1: "a", "b": [1.5, None]})) == {"1": "a", "b": [1.5, None]}
    assert action_calls.dumps({"x": "é"}) == '{"x":"é"}'.encode()


def test_numpy_confidences_are_encoded_by_orjson_as_the_json_module_would(monkeypatch):
    import numpy as np

    body = {"intent": {"confidence": np.float64(0.8125)}, "ranking": [np.float64(1 / 3)]}
    assert json.loads(action_calls.dumps(body)) == json.loads(json.dumps(body))
    monkeypatch.setattr(action_calls.json, "dumps", None)  # the fallback is not what encoded it
    assert json.loads(action_calls.dumps(body)) == {"intent": {"confidence": 0.8125}, "ranking": [1 / 3]}
