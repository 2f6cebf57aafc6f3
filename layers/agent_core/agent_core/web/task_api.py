"""The task API (``/api/v1/...``) that existing agent integrations already speak, over our runs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent_core.keys import ID_PATTERN
from agent_core.llm.types import Usage
from agent_core.scopes import Scope
from agent_core.store.records import CallMode, PendingCall, RunError, RunRecord, RunStatus
from agent_core.tenancy import Caller, Tenant, WriteMode
from agent_core.turn_request import TurnRequest
from agent_core.web.schemas import UserText

MAX_OFFSET = 1000


class TaskRequest(BaseModel):
    """``POST /api/v1/agent/execute``: one task for one agent, answered when it is done."""

    model_config = ConfigDict(extra="forbid")

    task: UserText = Field(description="What to do.")
    agent_id: str = Field(default="general", pattern=f"^{ID_PATTERN.pattern}$")
    tools: list[str] | None = Field(default=None, max_length=64)
    max_steps: int | None = Field(default=None, ge=1, le=25)
    session_id: str | None = Field(default=None, pattern=f"^{ID_PATTERN.pattern}$")

    def turn(self) -> TurnRequest:
        return TurnRequest.of(
            self.task, session_id=self.session_id, tools=self.tools, max_steps=self.max_steps
        )


class TaskStep(BaseModel):
    """A tool call as the task API shows it: a view of the run's :class:`ToolCallRecord`."""

    tool: str
    input: dict[str, Any]
    output_summary: str
    ok: bool
    mode: CallMode


class TaskExecution(BaseModel):
    execution_id: str
    agent_id: str
    session_id: str
    status: RunStatus
    result: str
    steps: list[TaskStep]
    usage: Usage
    error: RunError | None = None
    confirmation: PendingCall | None = Field(
        default=None, description="The write waiting for a person, when status is awaiting_confirmation."
    )
    started_at: str
    finished_at: str | None = None

    @classmethod
    def of(cls, run: RunRecord) -> TaskExecution:
        return cls(
            execution_id=run.run_id,
            agent_id=run.agent_id,
            session_id=run.session_id,
            status=run.status,
            result=run.reply,
            steps=[TaskStep.model_validate(step, from_attributes=True) for step in run.steps],
            usage=run.usage,
            error=run.error,
            confirmation=run.awaiting,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class TaskExecutions(BaseModel):
    executions: list[TaskExecution]
    limit: int
    offset: int
    has_more: bool


class TenantInfo(BaseModel):
    """``GET /api/v1/tenant/info``: who the key belongs to and what its tenant may use."""

    tenant_id: str
    name: str
    plan: str
    caller_id: str
    scopes: list[Scope] = Field(description="What the caller's API key may do.")
    enabled_agents: list[str]
    writes: WriteMode
    agent_writes: dict[str, WriteMode]
    odoo_connected: bool
    projects_connected: bool

    @classmethod
    def of(cls, tenant: Tenant, caller: Caller) -> TenantInfo:
        return cls(
            tenant_id=tenant.tenant_id,
            name=tenant.name,
            plan=tenant.plan,
            caller_id=caller.caller_id,
            scopes=list(caller.scopes),
            enabled_agents=list(tenant.enabled_agents),
            writes=tenant.writes,
            agent_writes=dict(tenant.agent_writes),
            odoo_connected=tenant.odoo is not None,
            projects_connected=tenant.projects_url is not None,
        )
