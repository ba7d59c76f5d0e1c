"""Sends the probes of fuzz_corpus.py to a running stack and counts what came back.

Every request has a client timeout: one that runs out is a hang and is recorded as such, never
waited for. Outcomes are counted per surface and status; the 5xx and the hangs are kept with the
probe that caused them, for the test to print.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio
from fuzz_corpus import CONSOLE, Probe
from yarl import URL

#: Seconds a request may take; a 2 MB message through the NLU takes a fraction of that.
TIMEOUT = 30.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Target:
    """Where to send: base URLs, the tokens, a staff login, and ids that exist in the database."""

    rasa_url: str
    console_url: str
    tokens: dict[str, str]
    staff_email: str
    staff_password: str
    reference: str
    conversation_id: str


@dataclass
class Tally:
    requests: Counter = field(default_factory=Counter)  # per surface
    statuses: Counter = field(default_factory=Counter)  # per "surface status"
    failures: list[str] = field(default_factory=list)  # 5xx and hangs, with what caused them
    seconds: float = 0.0

    def record(self, probe: Probe, status: int | str, n: int = 1) -> None:
        self.requests[probe.surface] += n
        self.statuses[f"{probe.surface} {status}"] += n
        if status == "hang" or (isinstance(status, int) and status >= 500):
            self.failures.append(f"{status} {probe.surface} {probe.method} {probe.path[:200]} "
                                 f"body={(probe.body or b'')[:120]!r} form={probe.form!r} raw={probe.raw} "
                                 f"events={str(probe.events)[:300]}")

    def summary(self) -> str:
        lines = [f"{sum(self.requests.values())} requests in {self.seconds:.1f} s"]
        lines += [f"  {surface}: {n}" for surface, n in sorted(self.requests.items())]
        lines += ["  statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items()))]
        return "\n".join(lines)


class Runner:
    def __init__(self, target: Target, *, concurrency: int = 6) -> None:
        self.target = target
        self.tally = Tally()
        self.limit = asyncio.Semaphore(concurrency)
        self.csrf = ""

    async def run(self, probes: list[Probe]) -> Tally:
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=jar) as staff, \
                aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as anonymous:
            await self._log_in(staff)
            self.sessions = {True: staff, False: anonymous}
            await asyncio.gather(*(self._guarded(probe) for probe in probes))
        self.tally.seconds = time.monotonic() - started
        return self.tally

    async def _log_in(self, http: aiohttp.ClientSession) -> None:
        login = f"{self.target.console_url}/console/login"
        async with http.get(login) as response:
            token = CSRF.search(await response.text())
        assert token, "no CSRF token on the login page"
        form = {"csrf_token": token.group(1), "email": self.target.staff_email, "password": self.target.staff_password}
        async with http.post(login, data=form, allow_redirects=False) as response:
            assert response.status == 303, f"staff login failed: {response.status}"
        async with http.get(f"{self.target.console_url}/console/inquiries") as response:
            found = CSRF.search(await response.text())
        self.csrf = found.group(1) if found else ""

    async def _guarded(self, probe: Probe) -> None:
        async with self.limit:
            try:
                if probe.surface == "socketio":
                    await self._socketio(probe)
                elif probe.raw:
                    await self._raw(probe)
                else:
                    self.tally.record(probe, await self._http(probe))
            except (asyncio.TimeoutError, TimeoutError):
                self.tally.record(probe, "hang")
            except aiohttp.ServerDisconnectedError:
                # The server closing a connection on a body it refuses is an answer, not a crash;
                # the processes are checked for being alive after the run.
                self.tally.record(probe, "closed")

    def _url(self, probe: Probe) -> URL:
        base = self.target.rasa_url if probe.target != CONSOLE else self.target.console_url
        path = probe.path.replace("{ref}", self.target.reference).replace("{conv}", self.target.conversation_id)
        return URL(base + path, encoded=True)

    def _headers(self, probe: Probe) -> dict[str, str]:
        headers = {}
        if probe.auth in self.target.tokens:
            headers["Authorization"] = f"Bearer {self.target.tokens[probe.auth]}"
        elif probe.auth == "bad":
            headers["Authorization"] = "Bearer not-a-token"
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        return headers

    async def _http(self, probe: Probe) -> int:
        http = self.sessions[probe.logged_in]
        data: Any = probe.body
        if probe.form:
            form = dict(probe.form)
            if probe.csrf:
                form["csrf_token"] = self.csrf
            data = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
        async with http.request(probe.method, self._url(probe), data=data, headers=self._headers(probe),
                                allow_redirects=False) as response:
            await response.read()
            return response.status

    async def _raw(self, probe: Probe) -> None:
        """A hand-made exchange on one connection: a multipart body cut in the middle of a part,
        or a big body the handler does not read followed by a second request on the same
        kept-alive connection (which used to hang)."""
        url = self._url(probe)
        cookie = ""
        if probe.logged_in:
            cookies = self.sessions[True].cookie_jar.filter_cookies(URL(self.target.console_url))
            cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
        reader, writer = await asyncio.wait_for(asyncio.open_connection(url.host, url.port), TIMEOUT)
        try:
            if probe.raw == "truncated":
                boundary = "fuzzboundary"
                body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\nhalf a reas"
                        ).encode()
                head = self._head("POST", url, cookie, len(body), f"multipart/form-data; boundary={boundary}")
                writer.write(head + body)
                self.tally.record(probe, await self._status(reader))
                return
            big = b"reason=" + b"x" * 300_000
            writer.write(self._head("POST", url, cookie, len(big), "application/x-www-form-urlencoded") + big)
            first = await self._status(reader, drain=True)
            self.tally.record(probe, first)
            writer.write(self._head("GET", URL(f"{url.scheme}://{url.host}:{url.port}/health"), "", 0, None))
            self.tally.record(probe, await self._status(reader))
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
            self.tally.record(probe, "closed")
        finally:
            writer.close()

    @staticmethod
    def _head(method: str, url: URL, cookie: str, length: int, content_type: str | None) -> bytes:
        lines = [f"{method} {url.raw_path_qs} HTTP/1.1", f"Host: {url.host}:{url.port}", "Connection: keep-alive",
                 f"Content-Length: {length}"]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    @staticmethod
    async def _status(reader: asyncio.StreamReader, drain: bool = True) -> int | str:
        """The status of the next response on the connection; its body read to the end."""
        line = await asyncio.wait_for(reader.readline(), TIMEOUT)
        if not line:
            return "closed"
        status = int(line.split()[1])
        length, chunked = 0, False
        while True:
            header = await asyncio.wait_for(reader.readline(), TIMEOUT)
            if header in (b"\r\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await asyncio.wait_for(reader.readline(), TIMEOUT)).split(b";")[0], 16)
                await asyncio.wait_for(reader.readexactly(size + 2), TIMEOUT)
                if size == 0:
                    break
        elif length and drain:
            await asyncio.wait_for(reader.readexactly(length), TIMEOUT)
        return status

    async def _socketio(self, probe: Probe) -> None:
        """The probe's events on one connection, then a well-formed session_request that must still
        be confirmed (the server kept handling this socket after the garbage)."""
        client = socketio.AsyncClient(reconnection=False)
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda *_: confirmed.set())
        try:
            await asyncio.wait_for(client.connect(self.target.rasa_url, socketio_path="/socket.io",
                                                  transports=["websocket"], wait_timeout=10), TIMEOUT)
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError):
            self.tally.record(probe, "hang", n=probe.count())
            return
        self.tally.record(probe, "connected")
        try:
            for event, data in probe.events:
                if data is None:
                    await client.emit(event)
                else:
                    await client.emit(event, data)
                self.tally.record(probe, "emitted")
            confirmed.clear()
            await client.emit("session_request", {"session_id": "fuzz-" + "0" * 40})
            await asyncio.wait_for(confirmed.wait(), TIMEOUT)
        finally:
            await client.disconnect()
