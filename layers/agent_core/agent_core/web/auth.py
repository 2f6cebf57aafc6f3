"""The caller of a request, from its ``X-API-Key`` header and nothing else (and the end user it acts
for, from ``X-End-User-Id``), and the scopes a route needs of it (a 403 ``forbidden`` when its key
lacks one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from agent_core import keys
from agent_core.errors import InvalidRequest
from agent_core.observability import add_log_keys
from agent_core.runtime import Runtime
from agent_core.scopes import Scope
from agent_core.tenancy import Caller
from agent_core.web.cors import TENANT_STATE

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The tenant's API key.")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


END_USER_DESCRIPTION = (
    "The end user of your product this request acts for (1-64 of letters, digits, '_', '.', '-'); "
    "needs a key with the end_users scope. Their sessions and runs are theirs alone."
)


async def current_caller(
    request: Request,
    api_key: Annotated[str | None, Security(api_key_header)],
    end_user_id: Annotated[
        str | None, Header(alias="X-End-User-Id", description=END_USER_DESCRIPTION)
    ] = None,
) -> Caller:
    caller = await asyncio.to_thread(runtime_of(request).authenticator.authenticate, api_key)
    add_log_keys(tenant_id=caller.tenant_id)  # on every later line of this request
    setattr(request.state, TENANT_STATE, caller.tenant_id)  # the tenant's own origins (web/cors.py)
    if end_user_id is not None and not keys.is_valid_id(end_user_id):
        raise InvalidRequest(
            "X-End-User-Id must be 1-64 characters of letters, digits, '_', '.' or '-'",
            code="invalid_end_user_id",
        )
    return caller.acting_for(end_user_id)


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
