"""The caller of a request, from its ``X-API-Key`` header and nothing else."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from agent_core.observability import add_log_keys
from agent_core.runtime import Runtime
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
