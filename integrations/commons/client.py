"""What a partner's Commons category achieved: its files, the pages using them, their views.

Only the delivery worker asks (integrations/delivery/recognition_reports.py), in its own loop: a
slow or absent Commons never holds up a delivery. Two public APIs:

- Commons' MediaWiki Action API (INTAKE_COMMONS_API_URL): `list=categorymembers&cmtype=file`
  for the category's files (500 a request, following `continue`), then `prop=globalusage` for
  the pages of every wiki that use them (50 titles a request, the API's limit for titles, also
  following `continue`; `gufilterlocal` leaves out Commons' own pages, which are not the reach
  we report). Requests are serial, with a User-Agent naming the project and a contact and
  `maxlag=5`, as Wikimedia's API etiquette asks.
- The Wikimedia Analytics REST API's Commons Impact Metrics (INTAKE_METRICS_API_URL, base
  https://wikimedia.org/api/rest_v1): `metrics/commons-analytics/pageviews-per-category-monthly/
  {category}/deep/all-wikis/{YYYYMMDD}/{YYYYMMDD}`, the views of the pages showing the
  category's files (subcategories included) in a month. Only the categories of the GLAM
  allow-list are tracked: for any other the API answers 404, which means "no view figure", not
  a failure.

Anything but a well-formed answer raises CommonsUnavailable (its message is safe to log); the
caller tries again later.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import aiohttp

from integrations.wikidata.client import user_agent

TIMEOUT_SECONDS = 10.0
MAXLAG = 5
#: Titles per globalusage request: the Action API's limit for clients without the apihighlimits right.
TITLES_PER_REQUEST = 50
#: Members per categorymembers request, the API's maximum for ordinary clients.
MEMBERS_PER_REQUEST = 500
#: Requests one category may take at most (a runaway continuation must end): 200,000 files.
MAX_REQUESTS = 400
#: The namespace of articles, whose pages the report counts.
ARTICLE_NAMESPACE = 0


class CommonsUnavailable(RuntimeError):
    """Commons or the metrics API could not be asked or did not answer usefully."""


@dataclass(frozen=True)
class Usage:
    """Where a category's files are used: articles (namespace 0) on all wikis, and how many wikis."""

    articles: int
    wikis: int


def category_title(category: str) -> str:
    """`Category:X` from a category name as partnerships store it (without the prefix)."""
    return "Category:" + category.strip().replace("_", " ")


class CommonsClient:
    """Reads a category's figures; `close()` when done. `metrics_url` empty: no views."""

    def __init__(self, api_url: str, metrics_url: str = "", *, contact: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.api_url = api_url
        self.metrics_url = metrics_url.rstrip("/")
        self._headers = {"User-Agent": user_agent(contact), "Accept": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"CommonsClient({self.api_url!r}, {self.metrics_url!r})"

    async def files(self, category: str) -> list[str]:
        """The titles of the files directly in `category`."""
        titles: list[str] = []
        params = {"action": "query", "list": "categorymembers", "cmtitle": category_title(category),
                  "cmtype": "file", "cmprop": "title", "cmlimit": str(MEMBERS_PER_REQUEST)}
        async for answer in self._continued(params):
            members = _field(answer, "query", "categorymembers", default=[])
            titles += [str(_field(member, "title")) for member in _list(members)]
        return titles

    async def usage(self, titles: list[str]) -> Usage:
        """The articles of any wiki (Commons' own pages left out) that show one of `titles`."""
        pages: set[tuple[str, str]] = set()
        for start in range(0, len(titles), TITLES_PER_REQUEST):
            params = {"action": "query", "prop": "globalusage", "titles": "|".join(titles[start:start + TITLES_PER_REQUEST]),
                      "guprop": "namespace", "gufilterlocal": "1", "gulimit": "500"}
            async for answer in self._continued(params):
                for page in _list(_field(answer, "query", "pages", default=[])):
                    for use in _list(page.get("globalusage", []) if isinstance(page, dict) else None):
                        if str(_field(use, "ns")) == str(ARTICLE_NAMESPACE):
                            pages.add((str(_field(use, "wiki")), str(_field(use, "title"))))
        return Usage(articles=len(pages), wikis=len({wiki for wiki, _ in pages}))

    async def views(self, category: str, month: date) -> int | None:
        """Views in `month` of the pages showing the category's files; None when the metrics API
        is off or does not track this category."""
        if not self.metrics_url:
            return None
        end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        name = quote(category.strip().replace(" ", "_"), safe="")
        url = (f"{self.metrics_url}/metrics/commons-analytics/pageviews-per-category-monthly/{name}/deep/all-wikis/"
               f"{month:%Y%m%d}/{end:%Y%m%d}")
        answer = await self._get(url, None, missing_ok=True)
        if answer is None:
            return None
        total = 0
        for item in _list(_field(answer, "items")):
            count = _field(item, "pageview-count")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise CommonsUnavailable("the metrics API answered a pageview-count that is not a count")
            if str(_field(item, "timestamp")).startswith(f"{month:%Y-%m}"):
                total += count
        return total

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _continued(self, params: dict[str, str]) -> Any:
        """Each answer of a query, following its `continue` until the API has no more."""
        extra: dict[str, str] = {}
        for _ in range(MAX_REQUESTS):
            answer = await self._get(self.api_url, {**params, **extra, "format": "json", "formatversion": "2",
                                                    "maxlag": str(MAXLAG)})
            if "error" in answer:
                code = _field(answer, "error", "code")
                raise CommonsUnavailable(f"Commons answered the error {str(code)[:60]!r}")
            yield answer
            more = answer.get("continue")
            if more is None:
                return
            if not isinstance(more, dict) or not all(isinstance(v, str) for v in more.values()):
                raise CommonsUnavailable("Commons answered a malformed continue")
            extra = dict(more)
        raise CommonsUnavailable(f"Commons kept continuing after {MAX_REQUESTS} requests")

    async def _get(self, url: str, params: dict[str, str] | None, *, missing_ok: bool = False) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        try:
            async with self._session.get(url, params=params, allow_redirects=False) as response:
                if response.status == 404 and missing_ok:
                    return None
                if response.status != 200:
                    raise CommonsUnavailable(f"{_host(url)} answered HTTP {response.status}")
                body = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise CommonsUnavailable(f"{_host(url)} is unreachable ({type(error).__name__})") from error
        try:
            answer = json.loads(body)
        except ValueError as error:
            raise CommonsUnavailable(f"{_host(url)} answered something that is not JSON") from error
        if not isinstance(answer, dict):
            raise CommonsUnavailable(f"{_host(url)} answered JSON that is not an object")
        return answer


_MISSING = object()


def _field(value: Any, *path: str, default: Any = _MISSING) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            if default is not _MISSING:
                return default
            raise CommonsUnavailable(f"the answer has no {'.'.join(path)}")
        value = value[key]
    return value


def _list(value: Any) -> list[Any]:
    # formatversion=2 gives lists; a dict keyed by page id is formatversion=1's shape of the same pages.
    if isinstance(value, dict):
        return list(value.values())
    if not isinstance(value, list):
        raise CommonsUnavailable("the answer has an object where a list belongs")
    return value


def _host(url: str) -> str:
    return url.split("/")[2] if "//" in url else "the API"
