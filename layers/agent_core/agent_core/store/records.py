"""What the table keeps, as typed records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from agent_core.llm.types import Usage
from agent_core.scopes import DEFAULT_SCOPES, Scope, stored_scopes

RunStatus = Literal["running", "awaiting_confirmation", "completed", "failed", "cancelled"]
CallMode = Literal["live", "shadow"]
# Why a guardrail stopped a call (see agent_core.guardrails.decision.Rejection).
Rejected = Literal["scope", "switch", "rate_limit", "budget", "breaker", "timeout", "confirmation"]


class ToolCallRecord(BaseModel):
    """One tool call, the one shape of it: the loop makes it, and the audit trail, the run record,
    the JSON reply and the task API are views of it. Its input is redacted."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    tool: str
    input: dict[str, Any]
    mode: CallMode = "live"
    ok: bool
    error: str | None = None
    result_size: int = 0
    latency_ms: int = 0
    started_at: str = ""
    output_summary: str = Field(default="", description="The start of what the tool returned.")
    rejected: Rejected | None = Field(default=None, description="The guardrail that stopped it, if one did.")


class PendingCall(BaseModel):
    """A write waiting for a person's confirmation, as the client sees it (its input redacted)."""

    model_config = ConfigDict(frozen=True)

    call_id: str
    tool: str
    input: dict[str, Any]
    expires_at: str


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
    end_user_id: str | None = Field(default=None, description="The end user the caller ran it for.")
    model: str
    status: RunStatus = "running"
    stop_reason: str | None = None
    usage: Usage = Usage()
    steps: tuple[ToolCallRecord, ...] = ()
    steps_omitted: int = Field(
        default=0, description="Earlier steps left out of this record (see the audit)."
    )
    reply: str = ""
    error: RunError | None = None
    awaiting: PendingCall | None = Field(
        default=None, description="The write the run waits on, while its status is awaiting_confirmation."
    )
    turn: int
    started_at: str
    deadline_at: str
    finished_at: str | None = None
    duration_ms: int | None = None
    events: int = Field(
        default=0, description="How many stream events the run has sent (their ids end :1 to :events)."
    )


class AuditEntry(ToolCallRecord):
    """A tool call as a tenant's admins read it: the record, and the run it belongs to.

    It keeps the audit API's names (``arguments``, ``created_at``) for two of the record's fields,
    and leaves out what the tool returned. ``ok`` is None while a live write's outcome is unknown
    (the entry is written before the write runs).
    """

    model_config = ConfigDict(frozen=True, validate_by_name=True, serialize_by_alias=True)

    run_id: str
    session_id: str
    agent_id: str
    caller_id: str
    end_user_id: str | None = None  # the end user the caller ran it for, if any
    input: dict[str, Any] = Field(
        validation_alias=AliasChoices("input", "arguments"), serialization_alias="arguments"
    )
    ok: bool | None  # type: ignore[assignment]
    started_at: str = Field(
        default="",
        validation_alias=AliasChoices("started_at", "created_at"),
        serialization_alias="created_at",
    )
    output_summary: str = Field(default="", exclude=True)

    @classmethod
    def of(cls, call: ToolCallRecord, *, run: RunRecord, outcome_known: bool = True) -> AuditEntry:
        """The entry for ``call`` of ``run``; ``outcome_known=False`` before a live write runs."""
        fields = call.model_dump() | run.model_dump(
            include={"run_id", "session_id", "agent_id", "caller_id", "end_user_id"}
        )
        return cls.model_validate(fields | ({} if outcome_known else {"ok": None}))


class ApiKeyRecord(BaseModel):
    """What is stored for an API key: never the key, only who it stands for."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    tenant_id: str
    caller_id: str
    scopes: tuple[Scope, ...] = DEFAULT_SCOPES
    created_at: str
    revoked_at: str | None = None

    @field_validator("scopes", mode="before")
    @classmethod
    def _granted(cls, names: Any) -> Any:
        """A key stored before scopes were checked reads as what it could do then (see scopes.py)."""
        return stored_scopes(names) if isinstance(names, list | tuple) else names

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SessionMeta(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_id: str
    agent_id: str
    # Whose the session is (see agent_core.tenancy.Owner). A session stored before owners were
    # kept has no caller_id: its owner is its last run's caller (SessionStore.load).
    caller_id: str | None = None
    end_user_id: str | None = None
    title: str | None = None  # the start of its first user message
    turn: int
    active_run: str | None = None
    lease_until: int | None = None
    awaiting: str | None = None  # the call id of a write of the last turn waiting for confirmation
    resumed_part: int | None = None  # where the messages of a resumed run go, while it runs
    created_at: str
    updated_at: str
