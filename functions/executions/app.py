"""Executions function: agents, runs, sessions and the tool-call audit trail of the caller's tenant,
and the task API's reads (buffered, Mangum). It never imports the ``anthropic`` SDK.

Runs are read through a :class:`RunFilter` made from the caller: its own runs (or its end user's),
or every run of the tenant for a key with ``audit:read`` or ``admin`` acting for nobody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import FastAPI, Path, Query
from mangum import Mangum

from agent_core import (
    AuditEntry,
    Caller,
    NotFound,
    Page,
    RunFilter,
    RunRecord,
    Runtime,
    SessionMessage,
    SessionSummary,
    Tenant,
    Unauthorized,
)
from agent_core.web import (
    MAX_OFFSET,
    AgentList,
    AuditReader,
    CurrentCaller,
    CurrentRuntime,
    TaskExecution,
    TaskExecutions,
    TenantInfo,
    agent_list,
    create_api,
    errors,
)

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1-100).")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page.")]
RunId = Annotated[str, Path(max_length=64)]
SessionId = Annotated[str, Path(max_length=64)]
Status = Literal["running", "awaiting_confirmation", "completed", "failed"]


def iso_utc(moment: datetime | None) -> str | None:
    """A query's time as the runs store theirs (UTC, milliseconds, ``Z``); a naive one is UTC."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def tenant_of(runtime: Runtime, caller: Caller) -> Tenant:
    tenant = await asyncio.to_thread(runtime.tenants.get, caller.tenant_id)
    if tenant is None:
        raise Unauthorized("a valid X-API-Key header is required")
    return tenant


async def run_of(runtime: Runtime, caller: Caller, run_id: str) -> RunRecord:
    record = await asyncio.to_thread(
        runtime.runs.get_for, caller.tenant_id, RunFilter.seen_by(caller), run_id
    )
    if record is None:
        raise NotFound(f"there is no run {run_id!r}", code="run_not_found")
    return record


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime executions")

    @app.get("/agents", tags=["agents"])
    async def agents(caller: CurrentCaller, runtime: CurrentRuntime) -> AgentList:
        """The agents the caller's tenant has enabled, with their tools (read or write), and those
        that cannot work for the tenant (an Odoo app not installed, a right its Odoo user lacks) and
        why. An Odoo that does not answer fails nothing: ``tools_note`` says so."""
        return await agent_list(runtime, caller, await tenant_of(runtime, caller))

    @app.get("/agents/{agent_id}/executions", tags=["agents"], responses=errors(404))
    async def agent_executions(
        agent_id: Annotated[str, Path(max_length=64)],
        caller: AuditReader,
        runtime: CurrentRuntime,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Page[AuditEntry]:
        """The audit entries of one agent's tool calls in the caller's tenant, newest first.

        Needs a key with the ``audit:read`` scope (a 403 otherwise). An agent the tenant has not
        enabled is a 404, exactly like an unknown one.
        """
        tenant = await tenant_of(runtime, caller)
        if runtime.agents.get(agent_id) is None or not tenant.may_use(agent_id):
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        return await asyncio.to_thread(
            runtime.audit.list_for_agent, caller.tenant_id, agent_id, limit=limit, cursor=cursor
        )

    @app.get("/executions", tags=["runs"])
    async def executions(
        caller: CurrentCaller,
        runtime: CurrentRuntime,
        limit: Limit = 20,
        cursor: Cursor = None,
        agent: Annotated[str | None, Query(max_length=64, description="Only this agent's runs.")] = None,
        session: Annotated[str | None, Query(max_length=64, description="Only this session's runs.")] = None,
        status: Annotated[Status | None, Query(description="Only runs with this status.")] = None,
        since: Annotated[
            datetime | None, Query(alias="from", description="Runs started at or after (ISO 8601).")
        ] = None,
        until: Annotated[
            datetime | None, Query(alias="to", description="Runs started before (ISO 8601).")
        ] = None,
    ) -> Page[RunRecord]:
        """Runs, newest first: the caller's own (or, with ``X-End-User-Id``, that end user's); every
        run of the tenant for a key with ``audit:read`` or ``admin``. A filtered page may hold
        fewer than ``limit`` runs: go on while ``next_cursor`` is set."""
        view = RunFilter.seen_by(
            caller,
            agent_id=agent,
            session_id=session,
            status=status,
            since=iso_utc(since),
            until=iso_utc(until),
        )
        return await asyncio.to_thread(runtime.runs.list, caller.tenant_id, view, limit=limit, cursor=cursor)

    @app.get("/executions/{run_id}", tags=["runs"], responses=errors(404))
    async def execution(run_id: RunId, caller: CurrentCaller, runtime: CurrentRuntime) -> RunRecord:
        """One run: status, agent, session, steps, usage, model and timings. One the caller may not
        see (another tenant's, caller's or end user's) is a 404."""
        return await run_of(runtime, caller, run_id)

    @app.get("/api/v1/agent/execution/{execution_id}", tags=["task API"], responses=errors(404))
    async def task_execution(
        execution_id: RunId, caller: CurrentCaller, runtime: CurrentRuntime
    ) -> TaskExecution:
        """The task API: one execution, its result and steps."""
        return TaskExecution.of(await run_of(runtime, caller, execution_id))

    @app.get("/api/v1/agent/executions", tags=["task API"])
    async def task_executions(
        caller: CurrentCaller,
        runtime: CurrentRuntime,
        limit: Limit = 20,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> TaskExecutions:
        """The task API: the executions the caller sees (as ``GET /executions``), newest first, by offset."""
        runs, more = await asyncio.to_thread(
            runtime.runs.window, caller.tenant_id, RunFilter.seen_by(caller), offset=offset, limit=limit
        )
        return TaskExecutions(
            executions=[TaskExecution.of(run) for run in runs], limit=limit, offset=offset, has_more=more
        )

    @app.get("/sessions", tags=["sessions"])
    async def sessions(
        caller: CurrentCaller, runtime: CurrentRuntime, limit: Limit = 20, cursor: Cursor = None
    ) -> Page[SessionSummary]:
        """The caller's sessions (or, with ``X-End-User-Id``, that end user's), by last activity,
        newest first: agent, title (the start of the first message), turns, created and last
        active."""
        return await asyncio.to_thread(
            runtime.memory.list, caller.tenant_id, caller.owner, limit=limit, cursor=cursor
        )

    @app.get("/sessions/{session_id}/messages", tags=["sessions"], responses=errors(404))
    async def session_messages(
        session_id: SessionId,
        caller: CurrentCaller,
        runtime: CurrentRuntime,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> Page[SessionMessage]:
        """A session's messages, oldest first, as a chat shows them: each message's text and the
        tools it called (inputs redacted); never the model's thinking. ``limit`` counts turns.
        Anyone else's session is a 404."""
        return await asyncio.to_thread(
            runtime.memory.messages, caller.tenant_id, caller.owner, session_id, limit=limit, cursor=cursor
        )

    @app.delete("/sessions/{session_id}", status_code=204, tags=["sessions"], responses=errors(404, 409))
    async def delete_session(session_id: SessionId, caller: CurrentCaller, runtime: CurrentRuntime) -> None:
        """Erase a session: its messages and meta (and a write waiting in it). Its runs and the
        audit trail stay. A turn running in it is a 409; anyone else's session is a 404."""
        await asyncio.to_thread(
            runtime.memory.delete, caller.tenant_id, caller.owner, session_id, datetime.now(UTC)
        )

    @app.get("/api/v1/tenant/info", tags=["task API"])
    async def tenant_info(caller: CurrentCaller, runtime: CurrentRuntime) -> TenantInfo:
        """The task API: the caller's tenant and what it may use."""
        return TenantInfo.of(await tenant_of(runtime, caller), caller)

    return app


app = create_app(Runtime())
handler = Mangum(app, lifespan="off")
