"""One ASGI app that routes to the function apps as API Gateway would, from template.yaml's events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from local.functions import load_function
from local.template import Route, api_routes


class Gateway:
    """Method + path → the function's app. Unrouted requests get API Gateway's answers (404/405)."""

    def __init__(self, routes: list[Route], apps: Mapping[str, ASGIApp]) -> None:
        self.routes = routes
        self.apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        matching = [route for route in self.routes if route.pattern.match(path)]
        route = next((r for r in matching if r.method == method), None)
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


async def _json(send: Send, status: int, body: dict[str, Any], request_id: str) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
