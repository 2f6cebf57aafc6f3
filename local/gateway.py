"""One ASGI app that routes to the function apps as API Gateway would, from template.yaml's events,
and answers CORS preflights itself as API Gateway's mock integration does (from the ``Cors``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from local.functions import load_function
from local.template import Route, api_routes, preflight_headers


class Gateway:
    """Method + path → the function's app. Unrouted requests get API Gateway's answers (404/405);
    an ``OPTIONS`` of a routed path, the preflight's answer."""

    def __init__(
        self, routes: list[Route], apps: Mapping[str, ASGIApp], preflight: Mapping[str, str] | None = None
    ) -> None:
        self.routes = routes
        self.apps = apps
        self.preflight = preflight_headers() if preflight is None else preflight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        matching = [route for route in self.routes if route.pattern.match(path)]
        route = next((r for r in matching if r.method == method), None)
        if route is None and method == "OPTIONS" and matching and self.preflight:
            await self._preflight(send, matching)
            return
        if route is None:
            status = 405 if matching else 404
            code, message = (
                ("method_not_allowed", "method not allowed") if matching else ("not_found", "no such route")
            )
            # As template.yaml's gateway responses have API Gateway answer: the request's id included.
            request_id = str(uuid.uuid4())
            error = {"code": code, "message": message, "request_id": request_id}
            await _json(send, status, {"error": error}, request_id)
            return
        await self.apps[route.function](scope, receive, send)

    async def _preflight(self, send: Send, matching: list[Route]) -> None:
        """SAM's mock integration for ``Cors``: 200, an empty JSON object, the configured headers, and
        the path's own methods with OPTIONS, sorted (samtranslator/swagger/swagger.py,
        ``_make_cors_allowed_methods_for_path_item``)."""
        path = matching[0].path
        methods = sorted({r.method for r in matching if r.path == path} | {"OPTIONS"})
        headers = {"Access-Control-Allow-Methods": ",".join(methods), **self.preflight}
        await _json(send, 200, {}, str(uuid.uuid4()), headers)


def build_gateway(load: Callable[[str], Any] = load_function) -> Gateway:
    routes = api_routes()
    apps = {name: load(name).app for name in {route.function for route in routes}}
    return Gateway(routes, apps)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _json(
    send: Send, status: int, body: dict[str, Any], request_id: str, headers: Mapping[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", request_id.encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
