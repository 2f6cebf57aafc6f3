"""What the table keeps, as typed records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent_core.llm.types import Usage

RunStatus = Literal["running", "completed", "failed"]


class RunStep(BaseModel):
    """One tool call of a run, as the run record keeps it."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    tool: str
    input: dict[str, Any]
    ok: bool
    latency_ms: int
    result_size: int
    mode: Literal["live", "shadow"] = "live"
    output_summary: str = ""


class RunError(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str


class RunRecord(BaseModel):
    """One agent execution: what was asked of whom, how it went, what it cost."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    tenant_id: str
    session_id: str
    agent_id: str
    caller_id: str
    model: str
    status: RunStatus = "running"
    stop_reason: str | None = None
    usage: Usage = Usage()
    steps: tuple[RunStep, ...] = ()
    reply: str = ""
    error: RunError | None = None
    turn: int
    started_at: str
    deadline_at: str
    finished_at: str | None = None
    duration_ms: int | None = None


class AuditEntry(BaseModel):
    """One tool call, with its arguments redacted, as a tenant's admins read it."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    run_id: str
    session_id: str
    agent_id: str
    caller_id: str
    tool: str
    arguments: dict[str, Any]
    ok: bool
    error: str | None = None
    result_size: int
    latency_ms: int
    mode: Literal["live", "shadow"] = "live"
    created_at: str


class ApiKeyRecord(BaseModel):
    """What is stored for an API key: never the key, only who it stands for."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    tenant_id: str
    caller_id: str
    scopes: tuple[str, ...] = ("chat", "read")
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SessionMeta(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_id: str
    agent_id: str
    turn: int
    active_run: str | None = None
    lease_until: int | None = None
    created_at: str
    updated_at: str
