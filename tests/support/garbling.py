"""A tenant system that answers badly: a proxy in front of a real one (the demo ERP, the demo
project API) that replaces one of its answers with a malformed one, as a broken, misconfigured or
impostor server would send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# From the genuine answer (decoded JSON) to what is sent instead: bytes as they are, anything else
# as JSON; ``None`` when there is nothing in this answer to garble (it is then sent unchanged).
Garble = Callable[[Any], Any]
METADATA = frozenset({"__domain", "__range", "__context", "__fold"})  # read_group's, beside the values


@dataclass
class GarblingProxy:
    """Forwards every request to ``upstream``; the ``at``-th (1-based) answer goes through ``garble``."""

    upstream: str
    garble: Garble | None = None
    at: int = 0
    calls: int = 0
    garbled: bool = False
    _client: httpx.AsyncClient | None = None  # made on the server's event loop, at its first request

    def aim(self, garble: Garble | None, at: int = 0) -> None:
        """Garble the ``at``-th answer from now on (``None``: none), counting calls afresh."""
        self.garble, self.at, self.calls, self.garbled = garble, at, 0, False

    async def forward(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        self._client = self._client or httpx.AsyncClient()
        answer = await self._client.request(
            request.method,
            self.upstream + request.url.path,
            params=request.query_params,
            content=await request.body(),
            headers=headers,
        )
        self.calls += 1
        if self.garble is not None and self.calls == self.at:
            bad = self.garble(answer.json())
            if bad is not None:
                self.garbled = True
                content = bad if isinstance(bad, bytes) else json.dumps(bad).encode()
                return Response(content, status_code=answer.status_code, media_type="application/json")
        return Response(answer.content, status_code=answer.status_code, media_type="application/json")

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.forward, methods=["GET", "POST"])])


def rows_of(value: Any) -> list[dict[str, Any]]:
    """The objects in an answer: a list of them, or the lists inside one (``{"projects": [...]}``)."""
    if isinstance(value, list):
        return [row for row in value if isinstance(row, dict)]
    if isinstance(value, dict):
        inner = [row for item in value.values() if isinstance(item, list) for row in rows_of(item)]
        return inner or [value]
    return []


def without_a_field(value: Any) -> Any:
    """``value`` with the first field (other than ``id`` and metadata) of each object removed."""
    value = json.loads(json.dumps(value))
    changed = False
    for row in rows_of(value):
        fields = [k for k in row if k != "id" and k not in METADATA]
        if fields:
            del row[fields[0]]
            changed = True
    return value if changed else None


def with_fields_retyped(value: Any) -> Any:
    """``value`` with every field (other than ``id`` and metadata) an object, whatever it was."""
    value = json.loads(json.dumps(value))
    rows = rows_of(value)
    if not rows:
        return {"unexpected": True} if not isinstance(value, list) else None
    for row in rows:
        for key in row:
            if key != "id" and key not in METADATA:
                row[key] = {"unexpected": True}
    return value


def in_result(garble: Garble) -> Garble:
    """A JSON-RPC answer with ``garble`` applied to its ``result`` (``None`` if it has none)."""

    def apply(answer: Any) -> Any:
        if not isinstance(answer, dict) or "result" not in answer:
            return None
        result = garble(answer["result"])
        return None if result is None else {**answer, "result": result}

    return apply


DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
NOT_JSON = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
