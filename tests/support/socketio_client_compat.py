"""The tests' Python socket.io client on Rasa's aiohttp: imported by the conftests that use it."""
from __future__ import annotations

import aiohttp

if not hasattr(aiohttp, "ClientWSTimeout"):
    # The tests' Python socket.io client: python-engineio >= 4.13 (the releases with its security
    # fixes, SECURITY.md) builds aiohttp.ClientWSTimeout(ws_close=...), new in aiohttp 3.11, while
    # Rasa 3.6 keeps aiohttp at 3.9, whose ws_connect takes that close timeout as a plain number.
    # Only the client side needs it: the servers never open WebSocket connections.
    def _ws_close_timeout(ws_close: float = 10.0, ws_receive: float | None = None) -> float:
        return ws_close

    aiohttp.ClientWSTimeout = _ws_close_timeout  # type: ignore[attr-defined]
