"""Request and reply bodies of the chat API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent_core.keys import ID_PATTERN
from agent_core.llm.types import Usage
from agent_core.store.records import RunError

MAX_MESSAGE_CHARS = 32_000


class ChatRequest(BaseModel):
    """One user turn."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="What the user says.")
    session_id: str | None = Field(
        default=None,
        pattern=f"^{ID_PATTERN.pattern}$",
        description="Continue this session; a new one is created and returned when absent.",
    )
    tools: list[str] | None = Field(
        default=None,
        max_length=64,
        description="Offer only these of the agent's tools; absent offers all, [] offers none.",
    )
    max_steps: int = Field(default=10, ge=1, le=25, description="Model calls this turn may make.")


class ToolCallSummary(BaseModel):
    call_id: str
    tool: str
    input: dict[str, object]
    ok: bool | None = None
    latency_ms: int | None = None
    result_size: int | None = None


class ChatReply(BaseModel):
    """A whole turn, for callers that do not read streams."""

    run_id: str
    session_id: str
    status: Literal["completed", "failed"]
    stop_reason: str
    reply: str
    tool_calls: list[ToolCallSummary]
    usage: Usage
    error: RunError | None = None
