"""What the console tells operators: a request id on every request, latency metrics, /metrics.

- Every request gets an id: the client's `X-Request-ID` when it is sane (8-64 characters of
  [A-Za-z0-9._:-], as a proxy or load balancer makes them), else a new one. It is echoed in the
  response's `X-Request-ID` and is in every log line written while the request is handled (JSON
  logs, integrations/observability/logs.py), the access log line included.
- `intake_http_request_duration_seconds{method, route, status}`: the route is the template
  (`/api/inquiries/{reference}`), never the raw path, which holds references, conversation ids
  and link tokens; requests that match no route are `unmatched`.
- `GET /metrics` (the Prometheus exposition) is not public: it needs a full-access API token
  (`Authorization: Bearer $INTAKE_API_TOKEN`, or a token of `intake tokens add` without
  `--affiliate`), like the JSON API (auth.py); an affiliate's token gets 403.
"""
from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import Histogram

from integrations.console.auth import API_SCOPE, METRICS_PATH, Handler
from integrations.observability.logs import request_id_from, request_id_var
from integrations.observability.prometheus import CONTENT_TYPE, exposition

#: Where the request's id is kept on the request (the access log reads it after the handler).
REQUEST_ID = "intake.request_id"
HEADER = "X-Request-ID"
UNMATCHED = "unmatched"

HTTP_SECONDS = Histogram(
    "intake_http_request_duration_seconds", "Console requests by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def route_of(request: web.Request) -> str:
    """The template of the route that took the request, or `unmatched`."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def observed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The outermost middleware: the request id and the latency of every request."""
    request_id = request_id_from(request.headers.get(HEADER))
    request[REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[HEADER] = request_id
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[HEADER] = request_id
        raise
    finally:
        HTTP_SECONDS.labels(request.method, route_of(request), str(status)).observe(time.perf_counter() - started)
        request_id_var.reset(token)


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: this console process's metrics, for full-access tokens only."""
    if request.get(API_SCOPE) is not None:
        return web.json_response({"error": "the metrics need a full-access token"}, status=403)
    return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE})


def add_routes(app: web.Application) -> None:
    app.router.add_get(METRICS_PATH, metrics)
