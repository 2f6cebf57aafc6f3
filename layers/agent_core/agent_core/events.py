"""The typed stream events of a turn and their Server-Sent Events encoding."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from agent_core.llm.types import Refusal, Usage


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class RunStarted(_Event):
    type: Literal["run_started"] = "run_started"
    run_id: str
    session_id: str
    agent_id: str
    model: str


class TextDelta(_Event):
    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCall(_Event):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    tool: str
    input: dict[str, Any]


class ToolResult(_Event):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    tool: str
    ok: bool
    latency_ms: int
    result_size: int


class WouldExecute(_Event):
    """Shadow mode: a write tool the model called, which did not run."""

    type: Literal["would_execute"] = "would_execute"
    call_id: str
    tool: str
    input: dict[str, Any]


class ToolConfirmation(_Event):
    """A write waits for a person's approval: the run pauses and the stream ends after ``done``.

    Approve or reject it with ``POST /agents/{agent_id}/sessions/{session_id}/confirmations/{call_id}``
    before ``expires_at``."""

    type: Literal["tool_confirmation"] = "tool_confirmation"
    call_id: str
    tool: str
    input: dict[str, Any]
    expires_at: str


class ModelFallback(_Event):
    """The turn's model failed before anything reached the client: ``model`` answers instead."""

    type: Literal["model_fallback"] = "model_fallback"
    model: str
    reason: str


class Error(_Event):
    type: Literal["error"] = "error"
    code: str
    message: str


class Done(_Event):
    """Always the last event of a stream. ``refusal`` says why, when ``stop_reason`` is ``refusal``."""

    type: Literal["done"] = "done"
    run_id: str
    status: Literal["completed", "failed", "awaiting_confirmation", "cancelled"]
    stop_reason: str
    usage: Usage
    refusal: Refusal | None = None


StreamEvent = Annotated[
    RunStarted
    | TextDelta
    | ToolCall
    | ToolResult
    | WouldExecute
    | ToolConfirmation
    | ModelFallback
    | Error
    | Done,
    Field(discriminator="type"),
]
stream_event_adapter: TypeAdapter[StreamEvent] = TypeAdapter(StreamEvent)
