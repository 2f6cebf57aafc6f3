"""Executions function: runs and the tool-call audit trail of the caller's tenant (buffered, Mangum).

It never imports the ``anthropic`` SDK.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import FastAPI, Path, Query
from mangum import Mangum

from agent_core import AuditEntry, NotFound, Page, RunRecord, Runtime
from agent_core.web import CurrentCaller, CurrentRuntime, create_api

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1-100).")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page.")]


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime executions")

    @app.get("/agents/{agent_id}/executions")
    async def agent_executions(
        agent_id: Annotated[str, Path(max_length=64)],
        caller: CurrentCaller,
        runtime: CurrentRuntime,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Page[AuditEntry]:
        """The audit entries of one agent's tool calls in the caller's tenant, newest first."""
        if runtime.agents.get(agent_id) is None:
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        return await asyncio.to_thread(
            runtime.audit.list_for_agent, caller.tenant_id, agent_id, limit=limit, cursor=cursor
        )

    @app.get("/executions")
    async def executions(
        caller: CurrentCaller, runtime: CurrentRuntime, limit: Limit = 20, cursor: Cursor = None
    ) -> Page[RunRecord]:
        """The caller's tenant's runs, newest first."""
        return await asyncio.to_thread(runtime.runs.list, caller.tenant_id, limit=limit, cursor=cursor)

    @app.get("/executions/{run_id}")
    async def execution(
        run_id: Annotated[str, Path(max_length=64)], caller: CurrentCaller, runtime: CurrentRuntime
    ) -> RunRecord:
        """One run: status, agent, session, steps, usage, model and timings. Another tenant's is a 404."""
        record = await asyncio.to_thread(runtime.runs.get, caller.tenant_id, run_id)
        if record is None:
            raise NotFound(f"there is no run {run_id!r}", code="run_not_found")
        return record

    return app


app = create_app(Runtime())
handler = Mangum(app, lifespan="off")
