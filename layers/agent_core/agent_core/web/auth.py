"""The caller of a request, from its ``X-API-Key`` header and nothing else, and the scopes a route
needs of it (a 403 ``forbidden`` when its key lacks one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from agent_core.observability import add_log_keys
from agent_core.runtime import Runtime
from agent_core.scopes import Scope
from agent_core.tenancy import Caller

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The tenant's API key.")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def current_caller(
    request: Request, api_key: Annotated[str | None, Security(api_key_header)]
) -> Caller:
    caller = await asyncio.to_thread(runtime_of(request).authenticator.authenticate, api_key)
    add_log_keys(tenant_id=caller.tenant_id)  # on every later line of this request
    return caller


CurrentCaller = Annotated[Caller, Depends(current_caller)]
CurrentRuntime = Annotated[Runtime, Depends(runtime_of)]


def caller_with(scope: Scope, needed_for: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the request's caller, if its key has ``scope`` (what ``needed_for`` needs)."""

    async def scoped_caller(caller: CurrentCaller) -> Caller:
        caller.require(scope, needed_for)
        return caller

    return scoped_caller


# Chatting (any chat route, and the task API's execute) needs ``chat``.
ChatCaller = Annotated[Caller, Depends(caller_with("chat", "chatting with an agent"))]
# The audit trail (``GET /agents/{agent_id}/executions``) needs ``audit:read``. Runs stay readable by
# every key of the tenant, as they always were.
AuditReader = Annotated[Caller, Depends(caller_with("audit:read", "the audit trail"))]
