"""A seeded corpus of hostile requests for every public edge of the stack (tests/e2e/test_fuzz.py).

`corpus(seed, size)` returns `size` probes, the same ones for the same seed: REST messages and
bodies, socket.io events, the JSON API, the console's pages and forms, and the affiliates'
/respond links. The values are the ones that broke an edge once or might (issue 13): NUL, lone
surrogates, digits that are not ASCII ("²", "①"), 20-digit numbers, 9999-12-31, bodies that are
not JSON objects, senders of every wrong shape, metadata of the wrong type, truncated multipart,
bodies of a megabyte or two, socket.io events without data or with garbage.

A probe is data, not code: the runner (fuzz_runner.py) sends it and records the outcome.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.delivery.signing import sign_link

#: Where a probe goes: the Rasa server (channels) or the console (API, pages, respond links).
RASA, CONSOLE = "rasa", "console"

#: Strings that broke an edge once, or look like they could.
NASTY = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "²", "①", "٣", "𝟙𝟚", "12345678901234567890",
    "9223372036854775808", "-1", "0", "1e400", "NaN", "Infinity", "9999-12-31", "0000-00-00", "2024-02-30",
    "null", "[]", "{}", "true", "' OR '1'='1", "\"; DROP TABLE events; --", "<script>alert(1)</script>",
    "../../../../etc/passwd", "%00", "%ff", "%", "\\", "\r\n", "\u202e\u0644\u0627", "ｗｉｋｉ", "🙂" * 50,
    "a" * 300, "é" * 3000, "\ufeff", "\U0010ffff", "routed", "wm-fr", "WMP-00000000", "ana@example.org",
]
#: JSON values of the wrong type for a field that wants a string or an object.
WRONG_JSON: list[Any] = [42, -1, 10**20, 1.5, True, None, [], [1, "a"], {}, {"a": {"b": [None]}}, "", "x" * 1000]
#: Whole REST bodies that are not a JSON object.
NOT_OBJECTS = [b"42", b"null", b"[]", b'""', b"", b"{", b"}", b"\xff\xfe\x00", b"true", b"[{}]", b'"\\ud800"',
               b"{\"sender\": }", b"\x00", b'{"sender": "a"' + b" " * 10]


@dataclass(frozen=True)
class Probe:
    """One request. `auth`: which bearer token the runner adds (staff, affiliate, bad, none);
    `logged_in`: send the console session cookie (and `csrf`: its CSRF token into the form);
    `raw`: a hand-made HTTP exchange (`truncated` multipart, `after_big_body` keep-alive check);
    `events`: socket.io (event, data) pairs sent on one connection."""

    surface: str
    target: str = CONSOLE
    method: str = "GET"
    path: str = "/"
    body: bytes | None = None
    content_type: str | None = None
    auth: str = "none"
    logged_in: bool = False
    csrf: bool = False
    form: tuple[tuple[str, str], ...] = ()
    raw: str | None = None
    events: tuple[tuple[str, Any], ...] = field(default=())

    def count(self) -> int:
        """How many requests this probe makes (socket.io: one per event, plus the connection)."""
        return 1 + len(self.events) if self.surface == "socketio" else (2 if self.raw == "after_big_body" else 1)


def q(value: str) -> str:
    """`value` percent-encoded for a URL, lone surrogates as their UTF-8 replacement (they cannot
    be encoded) and everything else byte for byte, NUL included."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _json(value: Any) -> bytes:
    # ensure_ascii keeps lone surrogates as \udXXX escapes, as a hostile client would send them.
    return json.dumps(value, ensure_ascii=True).encode()


class _Corpus:
    def __init__(self, seed: int, link_secret: str) -> None:
        self.rng = random.Random(seed)
        self.link_secret = link_secret
        # A few partners' keys, reused so that conversations go on and the events table grows.
        self.keys = [f"fuzz-{seed}-{n:02d}-" + "".join(self.rng.choices("abcdef0123456789", k=24)) for n in range(24)]

    def nasty(self) -> str:
        return self.rng.choice(NASTY)

    def value(self) -> Any:
        return self.rng.choice(WRONG_JSON + NASTY)

    def key(self) -> str:
        return self.rng.choice(self.keys)

    # --- REST channel ---------------------------------------------------------------------------------
    def rest(self) -> Probe:
        r = self.rng.random()
        if r < 0.12:
            return self._rest_body(self.rng.choice(NOT_OBJECTS))
        if r < 0.30:
            sender = self.rng.choice([None, "", " ", 42, [], {}, "default", "short", "x" * 129, "\x00" * 40,
                                      self.key() + "\x00", "é" * 40, "\ud800" * 40, self.key() + "/../x",
                                      self.key()[:31], self.nasty()])
            body: dict[str, Any] = {"message": self.nasty()}
            if self.rng.random() < 0.8:
                body["sender"] = sender
            return self._rest_body(_json(body))
        if r < 0.33:
            # A megabyte or two: a huge message, or a huge body that is not an object.
            size = self.rng.choice([1_000_000, 2_000_000])
            if self.rng.random() < 0.5:
                return self._rest_body(_json({"sender": self.key(), "message": "museum " * (size // 7)}))
            return self._rest_body(b"[" + b"1," * (size // 2) + b"1]")
        body = {"sender": self.key(), "message": self._message()}
        if self.rng.random() < 0.5:
            body["metadata"] = self.rng.choice([self.value(), {"language": self.value()},
                                                {"language": self.rng.choice(["es", "ar", "xx", "zz-ZZ"])},
                                                {"detected_language": self.value(), "language": "de"}])
        if self.rng.random() < 0.1:
            body["message"] = self.rng.choice(WRONG_JSON)
        return self._rest_body(_json(body), content_type=self.rng.choice(
            ["application/json", "text/plain", "application/x-www-form-urlencoded", None]))

    def _message(self) -> str:
        parts = [self.nasty() for _ in range(self.rng.randint(1, 3))]
        if self.rng.random() < 0.3:
            parts.append(self.rng.choice(["We are a museum in Lyon", "hola", "donate photos under CC BY-SA",
                                          "مرحبا", "yes", "no", "/restart", "/greet", "/inform{\"country\": 5}",
                                          "/affirm" * 50, "/" + "x" * 200]))
        return " ".join(parts)

    def _rest_body(self, body: bytes, content_type: str | None = "application/json") -> Probe:
        return Probe("rest", RASA, "POST", "/webhooks/rest/webhook", body=body, content_type=content_type)

    # --- socket.io ------------------------------------------------------------------------------------
    def socketio(self) -> Probe:
        events: list[tuple[str, Any]] = []
        key = self.key()
        if self.rng.random() < 0.8:
            events.append(("session_request", self.rng.choice([{"session_id": key}, {"session_id": key},
                                                                None, 42, "x", [], {"session_id": self.value()}])))
        for _ in range(self.rng.randint(1, 4)):
            kind = self.rng.random()
            if kind < 0.25:
                events.append((self.rng.choice(["user_uttered", "session_request", "bot_uttered", "nonsense",
                                                "disconnect_me"]), self.rng.choice([None, *WRONG_JSON[:8]])))
            else:
                data: dict[str, Any] = {"message": self.rng.choice([self._message(), self.value()])}
                if self.rng.random() < 0.8:
                    data["session_id"] = self.rng.choice([key, key, self.key(), self.value()])
                if self.rng.random() < 0.5:
                    data["customData"] = self.rng.choice([{"language": self.value()}, self.value(), '{"language":"es"}',
                                                          "{not json"])
                events.append(("user_uttered", data))
        return Probe("socketio", RASA, events=tuple(events))

    # --- JSON API -------------------------------------------------------------------------------------
    def api(self) -> Probe:
        auth = self.rng.choice(["staff", "staff", "affiliate", "bad", "none"])
        route = self.rng.choice(["/api/inquiries", "/api/conversations", "/api/deliveries", "/api/affiliates",
                                 "/api/inquiries/", "/api/conversations/", "/health", "/api/openapi.json",
                                 "/api/nowhere", "/api"])
        if route.endswith("/"):
            return Probe("api", path=route + q(self.nasty()) + self._query(["x"]), auth=auth)
        params = {"/api/inquiries": ["conversation_id", "status", "affiliate", "needs", "limit", "offset"],
                  "/api/conversations": ["status", "flags", "limit", "offset"], "/api/deliveries": ["limit"]}.get(route, ["x"])
        method = "GET" if self.rng.random() < 0.9 else self.rng.choice(["POST", "DELETE", "PUT"])
        return Probe("api", method=method, path=route + self._query(params), auth=auth,
                     body=self.rng.choice([None, b"{}", b"\x00" * 100]) if method != "GET" else None)

    def _query(self, names: list[str]) -> str:
        picked = self.rng.sample(names, self.rng.randint(0, len(names)))
        pairs = [f"{q(name)}={q(self.nasty())}" for name in picked]
        if self.rng.random() < 0.1:
            pairs.append(f"{q(self.nasty())}={q(self.nasty())}")
        return ("?" + "&".join(pairs)) if pairs else ""

    # --- console pages and forms ----------------------------------------------------------------------
    def console(self) -> Probe:
        r = self.rng.random()
        logged_in = self.rng.random() < 0.85
        if r < 0.45:
            route, names = self.rng.choice([
                ("/console/inquiries", ["page", "created_from", "created_to", "status", "affiliate", "q", "sort",
                                        "order", "tier", "country", "partnership_type", "needs"]),
                ("/console/inquiries.csv", ["created_from", "created_to", "status", "q", "affiliate", "needs"]),
                ("/console/conversations", ["outcome", "page", "fallbacks", "flags"]),
                ("/console/dashboard", ["weeks"]), ("/console/", ["x"]), ("/console/login", ["next"]),
                ("/", ["lang"]), ("/privacy", ["lang"]), ("/widget.js", ["v"]),
            ])
            return Probe("console", path=route + self._query(names), logged_in=logged_in)
        if r < 0.6:
            base = self.rng.choice(["/console/inquiries/", "/console/conversations/", "/console/static/"])
            tail = self.rng.choice([q(self.nasty()), "..%2F..%2Fetc%2Fpasswd", "WMP-00000000", "%C0%AE%C0%AE"])
            return Probe("console", path=base + tail + self._query(["done", "flagged"]), logged_in=logged_in)
        # A form: login, a note, a reassignment, a flag; with or without the CSRF token.
        path = self.rng.choice(["/console/login", "/console/inquiries/WMP-00000000/notes",
                                "/console/inquiries/{ref}/notes", "/console/inquiries/{ref}/reassign",
                                "/console/inquiries/{ref}/accept", "/console/inquiries/{ref}/decline",
                                "/console/inquiries/{ref}/close", "/console/account/digest",
                                "/console/conversations/{conv}/flags", "/console/conversations/%00/flags"])
        names = ["csrf_token", "email", "password", "next", "text", "note", "visibility", "affiliate", "reason",
                 "event_id", "intent", "annotated", "confirm", "duplicate_of", "digest", "language"]
        form = tuple((name, self.nasty()) for name in self.rng.sample(names, self.rng.randint(0, 5)))
        return self._form_probe("console", path, form, logged_in=logged_in and path != "/console/login",
                                csrf=self.rng.random() < 0.6)

    def _form_probe(self, surface: str, path: str, form: tuple[tuple[str, str], ...], *, logged_in: bool,
                    csrf: bool) -> Probe:
        style = self.rng.random()
        if style < 0.6:
            return Probe(surface, method="POST", path=path, form=form, logged_in=logged_in, csrf=csrf)
        if style < 0.75:
            return Probe(surface, method="POST", path=path, raw="truncated", logged_in=logged_in)
        if style < 0.85:
            body = self.rng.choice([b"reason=" + b"x" * 1_500_000, b"\x00" * 200, b"a=%ZZ&b=%", b"=&&=",
                                    b"reason=%ED%A0%80"])
            return Probe(surface, method="POST", path=path, body=body, logged_in=logged_in,
                         content_type="application/x-www-form-urlencoded")
        if style < 0.92:
            return Probe(surface, method="POST", path=path, raw="after_big_body", logged_in=logged_in)
        return Probe(surface, method="POST", path=path, body=_json(self.value()), logged_in=logged_in,
                     content_type=self.rng.choice(["application/json", "multipart/form-data", "multipart/form-data; boundary=",
                                                   "text/plain; charset=nonsense"]))

    # --- affiliates' respond links --------------------------------------------------------------------
    def respond(self) -> Probe:
        expires = int(time.time()) + self.rng.choice([-3600, 86_400, 10**10])
        token = self.rng.choice([
            q(self.nasty()), "a.b.c.d", "x" * 5000,
            sign_link(f"unknown{self.rng.randint(0, 10**6)}", self.rng.choice(["accept", "decline", "nope"]),
                      max(0, expires), self.link_secret),
            sign_link("fuzz", "accept", 10**10, "not-the-secret"),
        ])
        path = f"/respond/{token}"
        if self.rng.random() < 0.4:
            return Probe("respond", path=path + self._query(["x"]))
        form = tuple((name, self.nasty()) for name in self.rng.sample(["reason", "action", "csrf_token"], 2))
        return self._form_probe("respond", path, form, logged_in=False, csrf=False)


#: How the corpus is shared between the surfaces (REST and socket.io messages cost the most).
MIX = (("rest", 0.34), ("socketio", 0.08), ("api", 0.25), ("console", 0.23), ("respond", 0.10))


def corpus(*, seed: int, size: int, link_secret: str) -> list[Probe]:
    """At least `size` requests' worth of probes, the same for the same seed."""
    maker = _Corpus(seed, link_secret)
    probes: list[Probe] = []
    made = 0
    surfaces, weights = zip(*MIX, strict=True)
    while made < size:
        surface = maker.rng.choices(surfaces, weights)[0]
        probe = getattr(maker, surface)()
        probes.append(probe)
        made += probe.count()
    return probes
