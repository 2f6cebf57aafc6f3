"""Starting a turn: every check that can still fail with an HTTP status, then the durable start.

:meth:`ChatService.start` is the one function that starts a turn. It resolves the agent, the
session and the model, fixes the turn's plan (deadline, turn number, history, tools, thinking),
makes the user's message durable with the session's lease and the run's start, and returns the
:class:`Turn` to stream. Anything after that ends as an ``error`` then ``done`` in the stream.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from functools import partial

from agent_core.agents.registry import AgentRegistry
from agent_core.audit_trail import AuditTrail
from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.errors import DeadlineExceeded, InvalidRequest, ModelError, NotFound, SessionBusy
from agent_core.guardrails import Guardrails
from agent_core.ids import new_run_id, new_session_id
from agent_core.limits import UsageLimits
from agent_core.llm.claude_models import thinks_up_front
from agent_core.llm.history import model_history
from agent_core.llm.model import Model, ModelProvider, UnavailableModel
from agent_core.llm.prefetch import Prefetched
from agent_core.llm.types import Message
from agent_core.loop import LoopPlan, step_request
from agent_core.secrets import Secrets
from agent_core.settings import Settings
from agent_core.store.audit import AuditStore
from agent_core.store.records import RunRecord
from agent_core.store.sessions import BUSY, SessionHistory, SessionStore
from agent_core.store.tenants import TenantStore
from agent_core.tenancy import Caller, Tenant
from agent_core.tools.context import RunContext
from agent_core.tools.services import ToolServices
from agent_core.turn import Turn, TurnStores
from agent_core.turn_request import TurnRequest
from agent_core.turn_state import TurnState


class ChatService:
    def __init__(
        self,
        *,
        settings: Settings,
        agents: AgentRegistry,
        tenants: TenantStore,
        sessions: SessionStore,
        audit: AuditStore,
        secrets: Secrets,
        models: ModelProvider,
        tool_services: ToolServices,
        guardrails: Guardrails,
        limits: UsageLimits,
    ) -> None:
        self.settings = settings
        self.agents = agents
        self.tenants = tenants
        self.sessions = sessions
        self.audit = audit
        self.secrets = secrets
        self.models = models
        self.tool_services = tool_services
        self.guardrails = guardrails
        self.limits = limits

    async def start(self, caller: Caller, agent_id: str, request: TurnRequest) -> Turn:
        """Check the request, make the user's message durable, and return the turn to stream.

        The turn's deadline starts now: every wait here counts against it (a 504 once it has
        passed), and so does everything the turn then does.
        """
        now = utc_now()
        deadline = Deadline.after(now, self.settings.turn_timeout_seconds)
        try:
            async with asyncio.timeout(deadline.remaining()):
                return await self._start(caller, agent_id, request, now, deadline)
        except TimeoutError:
            raise DeadlineExceeded("the turn ran out of time before it could start") from None

    async def _start(
        self, caller: Caller, agent_id: str, request: TurnRequest, now: datetime, deadline: Deadline
    ) -> Turn:
        tenant = await asyncio.to_thread(self.tenants.get, caller.tenant_id)
        agent = self.agents.get(agent_id)
        if tenant is None or agent is None or not tenant.may_use(agent_id):
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        if unknown := agent.unknown_tools(request.tools):
            offered = ", ".join(agent.tools.names) or "none"
            raise InvalidRequest(
                f"unknown tools {', '.join(unknown)}; agent {agent_id} has: {offered}", code="unknown_tool"
            )
        await self.limits.admit(tenant, tools=agent.tools.names)  # 429 over a limit; warm, no I/O
        session_id = request.session_id or new_session_id()
        history = (
            await asyncio.to_thread(self.sessions.load, caller.tenant_id, session_id, now)
            if request.session_id
            else SessionHistory.new()  # a session id just made has nothing to read
        )
        if history.meta is not None and history.meta.agent_id != agent_id:
            raise SessionBusy(
                f"session {session_id} belongs to agent {history.meta.agent_id}",
                code="session_agent_mismatch",
            )
        if history.unfinished is not None and history.unfinished.holds_lease(now):
            raise SessionBusy(BUSY)  # known before asking the model anything
        model = self.limits.metered(await asyncio.to_thread(self._model_for, tenant), tenant.tenant_id)
        run = RunRecord(
            run_id=new_run_id(),
            tenant_id=caller.tenant_id,
            session_id=session_id,
            agent_id=agent_id,
            caller_id=caller.caller_id,
            model=model.name,
            turn=history.next_turn,
            started_at=iso(now),
            deadline_at=deadline.iso,
        )
        user_message = Message.user_text(request.message)
        tools = agent.select_tools(request.tools)
        thinking = tenant.thinking(agent_id, agent.thinking)
        plan = LoopPlan(
            model=model,
            system=f"{agent.prompt}\n\nToday is {now:%A %Y-%m-%d} (UTC).",
            history=model_history(
                (*history.turns, (user_message,)),
                thinking=thinks_up_front(model.name, thinking),
                tools=bool(tools),
            ),
            tools={tool.name: tool for tool in tools},
            max_steps=request.max_steps or agent.default_max_steps,
            max_tokens=self.settings.max_output_tokens or agent.max_tokens,
            thinking=thinking,
            tool_timeout_seconds=self.settings.tool_timeout_seconds,
        )
        # The first model request goes out while the turn's start is written (one round trip less
        # before the first token); its events are forwarded only once that write has succeeded.
        first = Prefetched(model, step_request(plan))
        plan = replace(plan, model=first)
        await asyncio.sleep(0)  # let the model request start before the write is sent
        try:
            await asyncio.to_thread(self.sessions.begin_turn, run, user_message, previous=history)
        except BaseException:
            await first.cancel()
            raise
        ctx = RunContext(
            caller=caller,
            tenant=tenant,
            run_id=run.run_id,
            session_id=session_id,
            agent_id=agent_id,
            load_tenant_secret=partial(self.secrets.tenant_secret, caller.tenant_id),
            services=self.tool_services,
        )
        return Turn(
            state=TurnState(run=run, deadline=deadline, user_message=user_message),
            plan=plan,
            ctx=ctx,
            guardrails=self.guardrails,
            stores=TurnStores(
                sessions=self.sessions, audit=AuditTrail(self.audit, caller.tenant_id, deadline)
            ),
        )

    def _model_for(self, tenant: Tenant) -> Model:
        """The tenant's model (it may read the tenant's secret and the platform key: blocking)."""
        try:
            return self.models.model_for(tenant, partial(self.secrets.tenant_secret, tenant.tenant_id))
        except ModelError as exc:
            return UnavailableModel(tenant.model or self.settings.model_name, exc)
