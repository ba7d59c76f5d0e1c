"""A local fake of Wikidata's Action API for the tests: an aiohttp app on a free port that answers
`wbsearchentities` and `wbgetentities` from the committed example answers (tests/data/wikidata),
and can be told to fail (HTTP 500, a hang, malformed JSON, a maxlag error)."""
from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).resolve().parents[1] / "data" / "wikidata"


def answer(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class FakeWikidata:
    #: "ok", "500", "hang", "malformed", "maxlag": how the next requests are answered.
    mode: str = "ok"
    #: Seconds each answer waits (to make two workers overlap).
    delay: float = 0.0
    searches: Counter = field(default_factory=Counter)
    requests: list[dict[str, str]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    url: str = ""
    _search: dict[tuple[str, str], Any] = field(default_factory=dict)
    _entities: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted(DATA.glob("search_*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            language = path.stem.rsplit("_", 1)[1]
            self._search[(data["searchinfo"]["search"], language)] = data
        for path in sorted(DATA.glob("entities_*.json")):
            self._entities.update(json.loads(path.read_text(encoding="utf-8"))["entities"])

    async def handle(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.requests.append(query)
        self.user_agents.append(request.headers.get("User-Agent", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "500":
            return web.Response(status=500, text="<!DOCTYPE html><title>Wikimedia Error</title>")
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "malformed":
            return web.Response(text='{"searchinfo": {"search": "Mus', content_type="application/json")
        if self.mode == "maxlag":
            return web.json_response(answer("error_maxlag"), headers={"Retry-After": "5"})
        if query.get("action") == "wbsearchentities":
            self.searches[query["search"]] += 1
            found = self._search.get((query["search"], query["language"]))
            return web.json_response(found or {"searchinfo": {"search": query["search"]}, "search": [], "success": 1})
        if query.get("action") == "wbgetentities":
            entities = {q: self._entities.get(q, {"id": q, "missing": ""}) for q in query["ids"].split("|")}
            return web.json_response({"entities": entities, "success": 1})
        return web.json_response({"error": {"code": "badvalue", "info": "Unrecognized value for parameter \"action\""}})


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeWikidata]:
    fake = FakeWikidata(**options)
    app = web.Application()
    app.router.add_get("/w/api.php", fake.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}/w/api.php"
    try:
        yield fake
    finally:
        await runner.cleanup()
