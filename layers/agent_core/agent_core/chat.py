"""One chat turn, end to end: checks, durable user message, the loop, persistence, terminal event.

:meth:`ChatService.start` does everything that can still fail with an HTTP status (unknown agent,
busy session, unreachable table) before the response starts; :meth:`Turn.events` then always
ends with ``done``, whatever fails while it streams.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

from agent_core.agents.registry import AgentRegistry
from agent_core.clock import iso, utc_now
from agent_core.errors import AgentRuntimeError, InvalidRequest, NotFound, SessionBusy
from agent_core.ids import new_run_id, new_session_id
from agent_core.llm.claude_models import thinks_up_front
from agent_core.llm.history import model_history
from agent_core.llm.model import Model, ModelProvider
from agent_core.llm.types import Message
from agent_core.loop import AgentLoop, ToolCallRecord
from agent_core.schemas import ChatRequest
from agent_core.secrets import Secrets
from agent_core.settings import Settings
from agent_core.store.audit import AuditStore
from agent_core.store.records import AuditEntry, RunRecord
from agent_core.store.runs import RunStore
from agent_core.store.sessions import SessionStore
from agent_core.store.tenants import TenantStore
from agent_core.tenancy import Caller
from agent_core.tools.context import RunContext
from agent_core.tools.services import ToolServices
from agent_core.turn import Turn

LEASE_MARGIN_SECONDS = 30


class ChatService:
    def __init__(
        self,
        *,
        settings: Settings,
        agents: AgentRegistry,
        tenants: TenantStore,
        sessions: SessionStore,
        runs: RunStore,
        audit: AuditStore,
        secrets: Secrets,
        models: ModelProvider,
        tool_services: ToolServices,
    ) -> None:
        self.settings = settings
        self.agents = agents
        self.tenants = tenants
        self.sessions = sessions
        self.runs = runs
        self.audit = audit
        self.secrets = secrets
        self.models = models
        self.tool_services = tool_services

    async def start(self, caller: Caller, agent_id: str, request: ChatRequest) -> Turn:
        """Check the request, make the user's message durable, and return the turn to stream."""
        tenant = await asyncio.to_thread(self.tenants.get, caller.tenant_id)
        agent = self.agents.get(agent_id)
        if tenant is None or agent is None or not tenant.may_use(agent_id):
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        if unknown := agent.unknown_tools(request.tools):
            offered = ", ".join(agent.tools.names) or "none"
            raise InvalidRequest(
                f"unknown tools {', '.join(unknown)}; agent {agent_id} has: {offered}", code="unknown_tool"
            )
        session_id = request.session_id or new_session_id()
        now = utc_now()
        history = await asyncio.to_thread(self.sessions.load, caller.tenant_id, session_id, now)
        if history.meta is not None and history.meta.agent_id != agent_id:
            raise SessionBusy(
                f"session {session_id} belongs to agent {history.meta.agent_id}",
                code="session_agent_mismatch",
            )
        tenant_secret = partial(self.secrets.tenant_secret, caller.tenant_id)
        model: Model | None = None
        model_error: AgentRuntimeError | None = None
        try:
            # May read the tenant's secret and the platform key: keep it off the event loop.
            model = await asyncio.to_thread(self.models.model_for, tenant, tenant_secret)
        except AgentRuntimeError as exc:
            model_error = exc
        run_id = new_run_id()
        deadline = now + timedelta(seconds=self.settings.turn_timeout_seconds)
        turn_number = history.meta.turn + 1 if history.meta else 1
        record = RunRecord(
            run_id=run_id,
            tenant_id=caller.tenant_id,
            session_id=session_id,
            agent_id=agent_id,
            caller_id=caller.caller_id,
            model=model.name if model else (tenant.model or self.settings.model_name),
            turn=turn_number,
            started_at=iso(now),
            deadline_at=iso(deadline),
        )
        user_message = Message.user_text(request.message)
        await asyncio.to_thread(
            partial(
                self.sessions.begin_turn,
                caller.tenant_id,
                session_id,
                agent_id=agent_id,
                previous=history.meta,
                user_message=user_message,
                run_item=self.runs.item(record, now),
                lease_until=int(deadline.timestamp()) + LEASE_MARGIN_SECONDS,
                now=now,
            )
        )
        ctx = RunContext(
            caller=caller,
            tenant=tenant,
            run_id=run_id,
            session_id=session_id,
            agent_id=agent_id,
            load_tenant_secret=tenant_secret,
            services=self.tool_services,
        )
        loop = None
        if model is not None:
            tools = agent.select_tools(request.tools)
            thinking = tenant.thinking(agent_id, agent.thinking)
            loop = AgentLoop(
                model=model,
                ctx=ctx,
                system=f"{agent.prompt}\n\nToday is {now:%A %Y-%m-%d} (UTC).",
                history=model_history(
                    (*history.turns, (user_message,)),
                    thinking=thinks_up_front(model.name, thinking),
                    tools=bool(tools),
                ),
                tools=tools,
                max_steps=request.max_steps or agent.default_max_steps,
                max_tokens=self.settings.max_output_tokens or agent.max_tokens,
                deadline=asyncio.get_running_loop().time() + self.settings.turn_timeout_seconds,
                tool_timeout_seconds=self.settings.tool_timeout_seconds,
                on_tool_call=partial(self._audit, record),
                write_mode=tenant.write_mode(agent_id),
                thinking=thinking,
            )
        return Turn(sessions=self.sessions, runs=self.runs, record=record, loop=loop, model_error=model_error)

    async def _audit(self, run: RunRecord, call: ToolCallRecord) -> None:
        entry = AuditEntry(
            call_id=call.call_id,
            run_id=run.run_id,
            session_id=run.session_id,
            agent_id=run.agent_id,
            caller_id=run.caller_id,
            tool=call.tool,
            arguments=call.input,
            ok=call.ok,
            error=call.error,
            result_size=call.result_size,
            latency_ms=call.latency_ms,
            mode=call.mode,
            created_at=call.started_at,
        )
        await asyncio.to_thread(self.audit.record, run.tenant_id, entry)
