"""A local fake of Commons' Action API and of the Wikimedia Analytics REST API's Commons Impact
Metrics for the tests: an aiohttp app on a free port answering from the committed example
answers (tests/data/commons), following `continue` as the real API does, and told to fail on
demand ("500", "hang", "malformed", "maxlag")."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DATA = Path(__file__).resolve().parents[1] / "data" / "commons"
#: The category the example answers describe (as a partnership stores it).
CATEGORY = "Musée de Bretagne"
#: Its figures in those answers: 3 files, used in 3 articles on 3 wikis, 48,213 views in November 2026.
FILES, ARTICLES, WIKIS, VIEWS = 3, 3, 3, 48213


def answer(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class FakeCommons:
    mode: str = "ok"
    #: Metrics mode on its own: "ok", "500", "404" (a category the API does not track).
    metrics_mode: str = "ok"
    requests: list[dict[str, str]] = field(default_factory=list)
    metrics_paths: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    api_url: str = ""
    metrics_url: str = ""

    async def api(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        self.requests.append(query)
        self.user_agents.append(request.headers.get("User-Agent", ""))
        failed = await self._failure()
        if failed is not None:
            return failed
        if query.get("list") == "categorymembers":
            if query.get("cmtitle") != "Category:" + CATEGORY:
                return web.json_response({"batchcomplete": True, "query": {"categorymembers": []}})
            page = 2 if query.get("cmcontinue") == answer("categorymembers_1")["continue"]["cmcontinue"] else 1
            return web.json_response(answer(f"categorymembers_{page}"))
        if query.get("prop") == "globalusage":
            page = 2 if query.get("gucontinue") == answer("globalusage_1")["continue"]["gucontinue"] else 1
            data = answer(f"globalusage_{page}")
            asked = set(query["titles"].split("|"))
            data["query"]["pages"] = [p for p in data["query"]["pages"] if p["title"] in asked]
            return web.json_response(data)
        return web.json_response({"error": {"code": "badvalue", "info": "Unrecognized value"}})

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        self.metrics_paths.append(request.path)
        if self.metrics_mode == "500" or self.mode in ("500", "hang", "malformed"):
            failed = await self._failure(self.metrics_mode if self.metrics_mode == "500" else self.mode)
            if failed is not None:
                return failed
        category = request.match_info["category"]
        if self.metrics_mode == "404" or category != CATEGORY.replace(" ", "_"):
            return web.json_response(answer("not_found"), status=404, content_type="application/problem+json")
        return web.json_response(answer("pageviews_per_category_monthly"))

    async def _failure(self, mode: str | None = None) -> web.StreamResponse | None:
        mode = mode or self.mode
        if mode == "500":
            return web.Response(status=500, text="<!DOCTYPE html><title>Wikimedia Error</title>")
        if mode == "hang":
            await asyncio.sleep(30)
        if mode == "malformed":
            return web.Response(text='{"query": {"categorymem', content_type="application/json")
        if mode == "maxlag":
            return web.json_response(answer("error_maxlag"), headers={"Retry-After": "5"})
        return None


@asynccontextmanager
async def running_fake(**options: Any) -> AsyncIterator[FakeCommons]:
    fake = FakeCommons(**options)
    app = web.Application()
    app.router.add_get("/w/api.php", fake.api)
    app.router.add_get("/api/rest_v1/metrics/commons-analytics/pageviews-per-category-monthly/{category}/deep/"
                       "all-wikis/{start}/{end}", fake.metrics)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.api_url = f"http://{host}:{port}/w/api.php"
    fake.metrics_url = f"http://{host}:{port}/api/rest_v1"
    try:
        yield fake
    finally:
        await runner.cleanup()
