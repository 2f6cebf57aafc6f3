"""CORS on the answers themselves: a page may read an answer only if its origin is allowed, by the
deployment (``ALLOWED_ORIGINS``) or by the tenant whose key the request carries.

Preflights (``OPTIONS``) never reach a function: API Gateway answers them from template.yaml's
``Cors`` (the local gateway, the same way), for any origin, since a preflight carries no key and
so names no tenant. It lets the request be sent; this answer decides whether the page reads it.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_core.origins import allows
from agent_core.runtime import Runtime

# What a page may read of an answer besides the CORS-safelisted headers.
EXPOSED_HEADERS = ("X-Request-Id", "Retry-After", "Idempotent-Replayed")
# Where ``current_caller`` leaves the tenant of the request's key (in the request's state).
TENANT_STATE = "tenant_id"


class Cors:
    """ASGI middleware: ``Access-Control-Allow-Origin`` (the page's own origin) and
    ``Access-Control-Expose-Headers`` on the answer to an allowed origin, ``Vary: Origin`` on all."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        state = scope.setdefault("state", {})  # the request's state, kept when a middleware copies scope

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Origin")
                if origin is not None and await self._allows(origin, state.get(TENANT_STATE)):
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _allows(self, origin: str, tenant_id: str | None) -> bool:
        if allows(self.runtime.settings.allowed_origins, origin):
            return True
        if tenant_id is None:
            return False
        tenant = await asyncio.to_thread(self.runtime.tenants.get, tenant_id)  # cached when warm
        return tenant is not None and allows(tenant.allowed_origins, origin)
