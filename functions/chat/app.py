"""Chat function: one streamed (or JSON) turn with an agent, and the task API's execute.

Served by uvicorn behind the Lambda Web Adapter in ``response_stream`` mode (see ``run.sh``), so
frames leave as the model produces them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from agent_core import Replay, Runtime, Turn
from agent_core.web import (
    ChatCaller,
    ChatReply,
    ChatRequest,
    ConfirmationRequest,
    CurrentRuntime,
    IdempotencyHeader,
    TaskExecution,
    TaskRequest,
    chat_reply,
    create_api,
    idempotency_of,
    mark_replayed,
    noticing_disconnect,
    sse_frames,
)

AgentId = Annotated[str, Path(max_length=64, description="The agent to talk to, e.g. general.")]
SessionId = Annotated[str, Path(max_length=64, description="The session the run belongs to.")]
CallId = Annotated[str, Path(max_length=64, description="The call_id of the tool_confirmation event.")]


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
ResumedTurn = Annotated[Turn, Depends(resume_turn)]
StartedTask = Annotated[Turn | Replay, Depends(start_task)]


AFTER_RESTORE_PATH = "/_lwa/after-restore"  # AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH in template.yaml


def create_app(runtime: Runtime) -> FastAPI:
    app = create_api(runtime, title="agent-runtime chat")

    @app.post("/agents/{agent_id}/chat/stream", response_class=EventSourceResponse)
    async def chat_stream(turn: StartedTurn, request: Request) -> AsyncIterator[ServerSentEvent]:
        """One turn as Server-Sent Events: run_started, text_delta, tool_call, would_execute,
        tool_confirmation, tool_result, model_fallback, error, done."""
        async with noticing_disconnect(request, turn):
            async for frame in sse_frames(turn.events(), turn.run_id):
                yield frame

    @app.post("/agents/{agent_id}/chat")
    async def chat(turn: StartedTurn, request: Request) -> ChatReply:
        """One turn, answered as a single JSON document when it has finished."""
        async with noticing_disconnect(request, turn):
            return await chat_reply(turn)

    @app.post(
        "/agents/{agent_id}/sessions/{session_id}/confirmations/{call_id}", response_class=EventSourceResponse
    )
    async def confirm(turn: ResumedTurn, request: Request) -> AsyncIterator[ServerSentEvent]:
        """Approve or reject a write that waits for a person (``{"approve": true|false}``): the run
        resumes at once and streams on like a chat turn, from the decided call's tool_result."""
        async with noticing_disconnect(request, turn):
            async for frame in sse_frames(turn.events(), turn.run_id):
                yield frame

    @app.post("/api/v1/agent/execute")
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
