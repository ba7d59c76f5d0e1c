"""The OpenAPI 3.1 document of the JSON API (`openapi.yml` beside this module), served as JSON at
GET /api/openapi.json without a token: it describes the API and holds no data.

The YAML is read once when the app is built and kept as the JSON bytes the route sends.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.data import load_yaml
from integrations.console.keys import OPENAPI

#: The document, one file in the repository.
DOCUMENT = Path(__file__).with_name("openapi.yml")
#: Where it is served; integrations.console.auth leaves this path open.
PATH = "/api/openapi.json"


def load_document(path: Path = DOCUMENT) -> dict[str, Any]:
    """The OpenAPI document as a dict (YAML 1.2 booleans, like the project's other data files)."""
    document = load_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise ValueError(f"{path} is not an OpenAPI 3.1 document")
    return document


def add_route(app: web.Application) -> None:
    """Read the document into `app` and serve it at PATH."""
    app[OPENAPI] = json.dumps(load_document(), ensure_ascii=False).encode("utf-8")
    app.router.add_get(PATH, openapi_document)


async def openapi_document(request: web.Request) -> web.Response:
    """GET /api/openapi.json: the document."""
    return web.Response(body=request.app[OPENAPI], content_type="application/json", charset="utf-8")
