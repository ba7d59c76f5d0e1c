"""The widget's files on the console: `/widget.js` (the one script a site embeds), the socket.io
client it loads, the demo landing page at `/` and the privacy notice the widget links to (one page
per language, integrations/webchat/privacy.py).

Everything is read once at start-up and served from memory, compressed when the browser
accepts it, with an ETag so that repeat visits cost a 304.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.i18n.catalog import language_name, supported_languages
from bot.settings import Settings
from integrations.webchat.privacy import choose_language, notice_languages, render_notice

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
PAGES = HERE / "pages"
NODE_MODULES = HERE / "node_modules"
SOCKET_CLIENT = NODE_MODULES / "socket.io-client" / "dist" / "socket.io.min.js"
CONFIG_MARK = "/*CONFIG*/{}"

#: The first message of a new conversation: the bot's greeting.
INIT_PAYLOAD = "/greet"

ASSETS = web.AppKey("webchat_assets", dict)
#: The privacy notice by language code.
PRIVACY_PAGES = web.AppKey("webchat_privacy_pages", dict)


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    cache: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


def widget_config(settings: Settings, *, client_version: str) -> dict[str, object]:
    """What the browser needs to know: where Rasa and the privacy notice are."""
    base = settings.public_url.rstrip("/")
    return {
        "socketUrl": settings.rasa_public_url,
        "socketClient": f"{base}/webchat/socket.io.min.js?v={client_version}",
        "privacyUrl": settings.privacy_url,
        "initPayload": INIT_PAYLOAD,
        "botEvent": "bot_uttered",
        # The languages the assistant speaks, for the widget's picker: [code, autonym].
        "languages": [[code, language_name(code, code)] for code in supported_languages()],
    }


def socket_client_version() -> str:
    """The installed socket.io client's version (from its package.json), or '' if missing."""
    try:
        return str(json.loads((NODE_MODULES / "socket.io-client" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return ""


def build_assets(settings: Settings) -> dict[str, Asset]:
    """Every file served, by path. A missing socket.io client is logged, not fatal."""
    version = socket_client_version()
    config = json.dumps(widget_config(settings, client_version=version), separators=(",", ":"))
    widget = (STATIC / "widget.js").read_text(encoding="utf-8").replace(CONFIG_MARK, config)
    html = "text/html; charset=utf-8"
    # The loader's URL never changes, so browsers revalidate it often; the client's URL carries
    # its version and can be kept for a long time.
    assets = {
        "/widget.js": Asset(widget.encode(), "text/javascript; charset=utf-8", "public, max-age=300"),
        "/": Asset((PAGES / "demo.html").read_bytes(), html, "no-cache"),
    }
    if SOCKET_CLIENT.exists():
        assets["/webchat/socket.io.min.js"] = Asset(
            SOCKET_CLIENT.read_bytes(), "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"
        )
    else:
        log.warning("widget: %s is missing; run `make web` (npm ci) to install it", SOCKET_CLIENT)
    return assets


def build_privacy_pages(settings: Settings) -> dict[str, Asset]:
    """The privacy notice in each language, with this deployment's retention periods and contact."""
    return {
        language: Asset(render_notice(settings, language).encode(), "text/html; charset=utf-8", "public, max-age=3600")
        for language in notice_languages()
    }


def add_routes(app: web.Application, settings: Settings) -> None:
    """Serve the widget, its client, the demo page and the privacy notice."""
    app[ASSETS] = build_assets(settings)
    app[PRIVACY_PAGES] = build_privacy_pages(settings)
    for path in ("/", "/widget.js", "/webchat/socket.io.min.js"):
        app.router.add_get(path, serve)
    app.router.add_get("/privacy", serve_privacy)


async def serve(request: web.Request) -> web.StreamResponse:
    asset = request.app[ASSETS].get(request.path)
    if asset is None:
        return web.Response(status=503, text="The widget's socket.io client is not installed: run `make web`.\n")
    headers = {}
    if request.path == "/widget.js":
        # Any site may embed the loader; it is public and carries no secrets.
        headers["Access-Control-Allow-Origin"] = "*"
    return _send(request, asset, headers)


async def serve_privacy(request: web.Request) -> web.StreamResponse:
    """The notice in `?lang=`, else in the browser's language, else in English."""
    pages = request.app[PRIVACY_PAGES]
    language = choose_language(query=request.query.get("lang"), accept_language=request.headers.get("Accept-Language"),
                               available=tuple(pages))
    # Caches must keep one copy per language the browser asks for.
    return _send(request, pages[language], {"Content-Language": language, "Vary": "Accept-Language"})


def _send(request: web.Request, asset: Asset, extra: dict[str, str]) -> web.StreamResponse:
    headers = {"ETag": asset.etag, "Cache-Control": asset.cache, "X-Content-Type-Options": "nosniff", **extra}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    response = web.Response(body=asset.body, content_type=asset.content_type.split(";")[0], charset="utf-8", headers=headers)
    response.enable_compression()
    return response
