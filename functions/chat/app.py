"""Chat function: one streamed (or JSON) turn with an agent, and the task API's execute.

Served by uvicorn behind the Lambda Web Adapter in ``response_stream`` mode (see ``run.sh``), so
frames leave as the model produces them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from agent_core import InvalidRequest, NotFound, Replay, RunFilter, RunFollower, Runtime, Turn
from agent_core.web import (
    CancelReply,
    ChatCaller,
    ChatReply,
    ChatRequest,
    ConfirmationRequest,
    CurrentCaller,
    CurrentRuntime,
    IdempotencyHeader,
    LastEventIdHeader,
    TaskExecution,
    TaskRequest,
    chat_reply,
    create_api,
    errors,
    idempotency_of,
    last_event_of,
    mark_replayed,
    noticing_disconnect,
    numbered_frames,
)

AgentId = Annotated[str, Path(max_length=64, description="The agent to talk to, e.g. general.")]
SessionId = Annotated[str, Path(max_length=64, description="The session the run belongs to.")]
CallId = Annotated[str, Path(max_length=64, description="The call_id of the tool_confirmation event.")]
RunId = Annotated[str, Path(max_length=64, description="The run_id of the run_started event.")]


async def start_turn(
    agent_id: AgentId,
    body: ChatRequest,
    caller: ChatCaller,
    runtime: CurrentRuntime,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyHeader = None,
) -> Turn | Replay:
    turn = replace(body.turn(), idempotency=idempotency_of(idempotency_key, request, body))
    return replayed_or_not(await runtime.chat.start(caller, agent_id, turn), response)


async def start_task(
    body: TaskRequest,
    caller: ChatCaller,
    runtime: CurrentRuntime,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyHeader = None,
) -> Turn | Replay:
    turn = replace(body.turn(), idempotency=idempotency_of(idempotency_key, request, body))
    return replayed_or_not(await runtime.chat.start(caller, body.agent_id, turn), response)


async def start_or_follow(
    agent_id: AgentId,
    body: ChatRequest,
    caller: ChatCaller,
    runtime: CurrentRuntime,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyHeader = None,
    last_event_id: LastEventIdHeader = None,
) -> Turn | Replay | RunFollower:
    """A new turn; or, for a client reconnecting with ``Last-Event-ID``, the stream of the run it
    names, after that event (the caller's tenant's run of this agent, else a 404)."""
    if last_event_id is None:
        return await start_turn(agent_id, body, caller, runtime, request, response, idempotency_key)
    run_id, seq = last_event_of(last_event_id)
    follower = await asyncio.to_thread(runtime.follower, caller, run_id, after=seq)
    if follower.run.agent_id != agent_id:
        raise NotFound(f"there is no run {run_id!r}", code="run_not_found")
    return follower


async def follow_run(
    run_id: RunId,
    caller: CurrentCaller,
    runtime: CurrentRuntime,
    after: Annotated[int, Query(ge=0, le=9_999_999, description="Replay the events after this one.")] = 0,
    last_event_id: LastEventIdHeader = None,
) -> RunFollower:
    """The run's events after ``after`` (or after the ``Last-Event-ID`` a reconnecting client sends)."""
    if last_event_id is not None:
        named, after = last_event_of(last_event_id)
        if named != run_id:
            raise InvalidRequest("Last-Event-ID names another run than this route's")
    return await asyncio.to_thread(runtime.follower, caller, run_id, after=after)


def replayed_or_not(started: Turn | Replay, response: Response) -> Turn | Replay:
    """A retry's answer says it is one (``Idempotent-Replayed: true``)."""
    if isinstance(started, Replay):
        mark_replayed(response)
    return started


async def resume_turn(
    agent_id: AgentId,
    session_id: SessionId,
    call_id: CallId,
    body: ConfirmationRequest,
    caller: ChatCaller,
    runtime: CurrentRuntime,
) -> Turn:
    return await runtime.confirmations.decide(caller, agent_id, session_id, call_id, approve=body.approve)


StartedTurn = Annotated[Turn | Replay, Depends(start_turn)]
StreamedTurn = Annotated[Turn | Replay | RunFollower, Depends(start_or_follow)]
FollowedRun = Annotated[RunFollower, Depends(follow_run)]
ResumedTurn = Annotated[Turn, Depends(resume_turn)]
StartedTask = Annotated[Turn | Replay, Depends(start_task)]


# A retry's answer (same Idempotency-Key) says it is one.
REPLAYABLE = {"headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"}}}

AFTER_RESTORE_PATH = "/_lwa/after-restore"  # AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH in template.yaml


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime chat")

    @app.post(
        "/agents/{agent_id}/chat/stream",
        response_class=EventSourceResponse,
        tags=["chat"],
        responses={**errors(404, 409, 429, 503), 200: REPLAYABLE},
    )
    async def chat_stream(turn: StreamedTurn, request: Request) -> AsyncIterator[ServerSentEvent]:
        """One turn as Server-Sent Events: run_started, text_delta, tool_call, would_execute,
        tool_confirmation, tool_result, model_fallback, error, done. With ``Last-Event-ID``, the
        stream of the run it names instead, from the next event on (no new turn starts)."""
        async with noticing_disconnect(request, turn):
            async for frame in numbered_frames(turn.numbered(), turn.run_id):
                yield frame

    @app.get(
        "/executions/{run_id}/events",
        response_class=EventSourceResponse,
        tags=["runs"],
        responses=errors(404),
    )
    async def run_events(run: FollowedRun) -> AsyncIterator[ServerSentEvent]:
        """A run's stream events after ``after`` (or ``Last-Event-ID``), as the run sent them, then
        those it sends next while it is still going, ``done`` last. Another tenant's run is a 404."""
        async for frame in numbered_frames(run.numbered(), run.run_id):
            yield frame

    @app.post("/executions/{run_id}/cancel", status_code=202, tags=["runs"], responses=errors(404, 409))
    async def cancel(run_id: RunId, caller: ChatCaller, runtime: CurrentRuntime) -> CancelReply:
        """Stop a running run before its next model or tool call; it ends ``cancelled``. A run that
        has ended is a 409; another tenant's, a 404."""
        await asyncio.to_thread(
            runtime.runs.request_cancel, caller.tenant_id, RunFilter.seen_by(caller), run_id
        )
        return CancelReply(run_id=run_id)

    @app.post(
        "/agents/{agent_id}/chat", tags=["chat"], responses={**errors(404, 409, 429, 503), 200: REPLAYABLE}
    )
    async def chat(turn: StartedTurn, request: Request) -> ChatReply:
        """One turn, answered as a single JSON document when it has finished."""
        async with noticing_disconnect(request, turn):
            return await chat_reply(turn)

    @app.post(
        "/agents/{agent_id}/sessions/{session_id}/confirmations/{call_id}",
        response_class=EventSourceResponse,
        tags=["chat"],
        responses=errors(404, 409, 429, 503),
    )
    async def confirm(turn: ResumedTurn, request: Request) -> AsyncIterator[ServerSentEvent]:
        """Approve or reject a write that waits for a person (``{"approve": true|false}``): the run
        resumes at once and streams on like a chat turn, from the decided call's tool_result."""
        async with noticing_disconnect(request, turn):
            async for frame in numbered_frames(turn.numbered(), turn.run_id):
                yield frame

    @app.post(
        "/api/v1/agent/execute", tags=["task API"], responses={**errors(404, 409, 429, 503), 200: REPLAYABLE}
    )
    async def execute(turn: StartedTask, request: Request) -> TaskExecution:
        """The task API: run one task with an agent (``general`` by default) and answer when done."""
        async with noticing_disconnect(request, turn):
            await chat_reply(turn)
        assert turn.final is not None, "a finished turn has its final record"
        return TaskExecution.of(turn.final)

    @app.post(AFTER_RESTORE_PATH, include_in_schema=False)
    async def after_restore(runtime: CurrentRuntime) -> dict[str, str]:
        """SnapStart's after-restore hook (the Web Adapter calls it; outside callers get a 403)."""
        await asyncio.to_thread(runtime.warm)
        return {"status": "warm"}

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The Web Adapter's readiness check."""
        return {"status": "ok"}

    return app


runtime = Runtime()
runtime.prepare()  # clients and the model SDK at init, inside SnapStart's snapshot
app = create_app(runtime)
