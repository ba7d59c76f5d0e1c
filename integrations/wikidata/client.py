"""The client of Wikidata's MediaWiki Action API (bot.settings.DEFAULT_WIKIDATA_API_URL).

Only the delivery worker uses it (integrations/delivery/wikidata_lookups.py), never the chat: a
slow or absent Wikidata must never hold up a partner. One lookup is at most three GET requests,
one after the other (the API etiquette asks for serial requests): `wbsearchentities` for the
name in the partner's language (then in English, when that language found nothing confident),
`wbgetentities` for the candidates, and `wbgetentities` for their countries' ISO codes (P297;
kept for the process's life, as countries do not change codes). Each request sends a
User-Agent naming the project and a contact, `maxlag=5` (Wikidata answers a "maxlag" error
when its replicas lag: we back off like any failure), and times out after a few seconds.

Anything but a well-formed answer (no connection, a timeout, an HTTP error, a body that is not
the JSON the API documents, an API error) raises WikidataUnavailable; the caller retries later.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.organisations.matching import Record
from bot.organisations.wikidata import (
    COMMONS_SITE,
    Identification,
    Judgement,
    MalformedAnswer,
    api_error,
    candidates,
    choose,
    country_codes,
    search_ids,
)

TIMEOUT_SECONDS = 5.0
#: Candidates read per search: the first few are the only plausible ones for a full name.
SEARCH_LIMIT = 7
#: Seconds of replica lag above which Wikidata asks bots to wait (its documented etiquette).
MAXLAG = 5
FALLBACK_LANGUAGE = "en"


class WikidataUnavailable(RuntimeError):
    """Wikidata could not be asked, or did not answer usefully; the message is safe to log."""


def user_agent(contact: str) -> str:
    """The User-Agent Wikimedia's policy asks for: the tool, where it lives, who to contact."""
    return f"wikimedia-partner-intake/0.1 (Wikimedia partner intake; {contact}) aiohttp/{aiohttp.__version__}"


class WikidataClient:
    """Looks organisations up; `close()` when done."""

    def __init__(self, api_url: str, *, contact: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.api_url = api_url
        self._headers = {"User-Agent": user_agent(contact), "Accept": "application/json"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._countries: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"WikidataClient({self.api_url!r})"

    async def identify(self, record: Record, language: str) -> tuple[Identification | None, list[Judgement]]:
        """The item that is confidently `record`'s organisation (None: none is), with the
        judgements made on the way, searching in `language` and then in English."""
        judgements: list[Judgement] = []
        seen: set[str] = set()
        for lang in dict.fromkeys([language, FALLBACK_LANGUAGE]):
            ids = [i for i in await self.search(record.name, lang) if i not in seen]
            seen.update(ids)
            if not ids:
                continue
            languages = list(dict.fromkeys([lang, language, FALLBACK_LANGUAGE]))
            found = await self.entities(ids, languages)
            countries = await self.countries([q for c in found for q in c.country_items])
            identified, judged = choose(record, found, countries)
            judgements += judged
            if identified is not None:
                return identified, judgements
        return None, judgements

    async def search(self, name: str, language: str) -> list[str]:
        """Item ids whose label or alias matches `name` in `language` (wbsearchentities)."""
        answer = await self._get({"action": "wbsearchentities", "search": name[:250], "language": language,
                                  "uselang": language, "type": "item", "limit": str(SEARCH_LIMIT)})
        return self._read(search_ids, answer)

    async def entities(self, ids: Sequence[str], languages: Sequence[str]) -> list:
        """The items `ids` as Candidates (wbgetentities: labels, aliases, claims, Commons sitelink)."""
        answer = await self._get({"action": "wbgetentities", "ids": "|".join(ids[:50]),
                                  "props": "labels|aliases|claims|sitelinks", "sitefilter": COMMONS_SITE,
                                  "languages": "|".join(languages)})
        return self._read(lambda a: candidates(a, languages=languages), answer)

    async def countries(self, items: Sequence[str]) -> dict[str, str]:
        """{country item: ISO 3166-1 alpha-2} for `items`, from P297 (asked once per process)."""
        missing = sorted(set(items) - set(self._countries))
        if missing:
            answer = await self._get({"action": "wbgetentities", "ids": "|".join(missing[:50]), "props": "claims"})
            self._countries.update(self._read(country_codes, answer))
        return {q: self._countries[q] for q in items if q in self._countries}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _get(self, params: dict[str, str]) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        query = {**params, "format": "json", "maxlag": str(MAXLAG)}
        try:
            async with self._session.get(self.api_url, params=query, allow_redirects=False) as response:
                if response.status != 200:
                    raise WikidataUnavailable(f"Wikidata answered HTTP {response.status}")
                body = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise WikidataUnavailable(f"Wikidata is unreachable ({type(error).__name__})") from error
        try:
            answer = json.loads(body)
        except ValueError as error:
            raise WikidataUnavailable("Wikidata answered something that is not JSON") from error
        try:
            code = api_error(answer)
        except MalformedAnswer as error:
            raise WikidataUnavailable(f"Wikidata answered malformed JSON: {error}") from error
        if code is not None:
            raise WikidataUnavailable(f"Wikidata answered the error {code[:60]!r}")
        return answer

    @staticmethod
    def _read(reader: Any, answer: Any) -> Any:
        try:
            return reader(answer)
        except MalformedAnswer as error:
            raise WikidataUnavailable(f"Wikidata answered malformed JSON: {error}") from error
