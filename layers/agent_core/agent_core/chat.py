"""Starting a turn: every check that can still fail with an HTTP status, then the durable start.

:meth:`ChatService.start` is the one function that starts a turn. It resolves the agent, the
session and the model, fixes the turn's plan (deadline, turn number, history, tools, thinking),
makes the user's message durable with the session's lease and the run's start, and returns the
:class:`Turn` to stream. Anything after that ends as an ``error`` then ``done`` in the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import datetime
from functools import partial

from agent_core.agents.agent import Agent
from agent_core.agents.registry import AgentRegistry
from agent_core.audit_trail import AuditTrail
from agent_core.cancellation import CancelCheck
from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.errors import (
    BudgetExhausted,
    DeadlineExceeded,
    IdempotencyKeyInUse,
    InvalidRequest,
    ModelError,
    NotFound,
    RateLimited,
    SessionBusy,
    Stopped,
)
from agent_core.event_log import EventLog
from agent_core.guardrails import Guardrails, TurnOpening
from agent_core.ids import new_run_id, new_session_id
from agent_core.limits import UsageLimits
from agent_core.llm.claude_models import thinks_up_front
from agent_core.llm.history import model_history
from agent_core.llm.model import Model, ModelProvider, UnavailableModel
from agent_core.llm.prefetch import Prefetched
from agent_core.llm.resilient import Resilient
from agent_core.llm.types import Message
from agent_core.loop import LoopPlan, step_request
from agent_core.observability.metrics import publish_refused_turn
from agent_core.replay import Replay
from agent_core.secrets import Secrets
from agent_core.settings import Settings
from agent_core.settling import settle_superseded
from agent_core.store.audit import AuditStore
from agent_core.store.idempotency import IdempotencyKey
from agent_core.store.records import Rejected, RunRecord
from agent_core.store.run_events import RunEventStore
from agent_core.store.sessions import BUSY, KEY_IN_USE, SessionHistory, SessionStore
from agent_core.store.tenants import TenantStore
from agent_core.tenancy import Caller, Tenant
from agent_core.timeouts import tool_seconds, turn_seconds
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.offer import PROBE_SECONDS, unavailable_tools
from agent_core.tools.services import ToolServices
from agent_core.turn import Turn, TurnStores
from agent_core.turn_request import TurnRequest
from agent_core.turn_state import TurnState


def refusal_kind(exc: Stopped | RateLimited) -> Rejected:
    """The kind of hold a refused turn counts as (the metrics' ``kind``)."""
    if isinstance(exc, BudgetExhausted):
        return "budget"
    return "rate_limit" if isinstance(exc, RateLimited) else "switch"


def system_prompt(agent: Agent, started: datetime) -> str:
    """The agent's prompt with the day its run started (a resumed run keeps it: same prefix)."""
    return f"{agent.prompt}\n\nToday is {started:%A %Y-%m-%d} (UTC)."


class ChatService:
    def __init__(
        self,
        *,
        settings: Settings,
        agents: AgentRegistry,
        tenants: TenantStore,
        sessions: SessionStore,
        audit: AuditStore,
        run_events: RunEventStore,
        secrets: Secrets,
        models: ModelProvider,
        tool_services: ToolServices,
        fallback_models: ModelProvider | None = None,
        guardrails: Guardrails,
        limits: UsageLimits,
    ) -> None:
        self.settings = settings
        self.agents = agents
        self.tenants = tenants
        self.sessions = sessions
        self.audit = audit
        self.run_events = run_events
        self.secrets = secrets
        self.models = models
        self.fallback_models = fallback_models
        self.tool_services = tool_services
        self.guardrails = guardrails
        self.limits = limits

    async def start(self, caller: Caller, agent_id: str, request: TurnRequest) -> Turn | Replay:
        """Check the request, make the user's message durable, and return the turn to stream (or,
        for a retry of a request with the same ``Idempotency-Key``, the turn it started, told again).

        The turn's deadline starts now: every wait here counts against it (a 504 once it has
        passed), and so does everything the turn then does.
        """
        now = utc_now()
        deadline = Deadline.after(now, turn_seconds(self.settings, self.agents.get(agent_id)))
        try:
            async with asyncio.timeout(deadline.remaining()):
                return await self._start(caller, agent_id, request, now, deadline)
        except TimeoutError:
            raise DeadlineExceeded("the turn ran out of time before it could start") from None
        except (Stopped, RateLimited) as exc:
            publish_refused_turn(refusal_kind(exc))
            raise

    async def _start(
        self, caller: Caller, agent_id: str, request: TurnRequest, now: datetime, deadline: Deadline
    ) -> Turn | Replay:
        tenant = await asyncio.to_thread(self.tenants.get, caller.tenant_id)
        agent = self.agents.get(agent_id)
        if tenant is None or agent is None or not tenant.may_use(agent_id):
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        if unknown := agent.unknown_tools(request.tools):
            offered = ", ".join(agent.tools.names) or "none"
            raise InvalidRequest(
                f"unknown tools {', '.join(unknown)}; agent {agent_id} has: {offered}", code="unknown_tool"
            )
        opening = TurnOpening(caller=caller, tenant=tenant, agent_id=agent_id)
        if refusal := await self.guardrails.before_turn(opening, read=False):
            raise Stopped(refusal.reason)  # known without asking anything: no model request
        if request.idempotency is not None and (replay := await self._retried(caller, request.idempotency)):
            return replay  # a retry: answered from what its first request stored, neither run nor counted
        await self.limits.admit(tenant, tools=agent.tools.names)  # 429 over a limit; warm, no I/O
        session_id = request.session_id or new_session_id()
        history = (
            await asyncio.to_thread(self.sessions.load_for, caller.tenant_id, caller.owner, session_id, now)
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
        model = await asyncio.to_thread(self.model_for, tenant)
        run = RunRecord(
            run_id=new_run_id(),
            tenant_id=caller.tenant_id,
            session_id=session_id,
            agent_id=agent_id,
            caller_id=caller.caller_id,
            end_user_id=caller.end_user_id,
            model=model.name,
            turn=history.next_turn,
            started_at=iso(now),
            deadline_at=deadline.iso,
        )
        user_message = Message.user_text(request.message)
        tools = await self.offered(caller, tenant, agent.select_tools(request.tools), deadline)
        thinking = tenant.thinking(agent_id, agent.thinking)
        plan = LoopPlan(
            model=model,
            system=system_prompt(agent, now),
            history=model_history(
                (*history.turns, (user_message,)),
                thinking=thinks_up_front(model.name, thinking),
                tools=bool(tools),
            ),
            tools={tool.name: tool for tool in tools},
            max_steps=request.max_steps or agent.default_max_steps,
            max_tokens=self.settings.max_output_tokens or agent.max_tokens,
            thinking=thinking,
            tool_timeout_seconds=tool_seconds(self.settings, agent),
            confirm_within_seconds=self.settings.confirmation_seconds,
        )
        # The first model request goes out while the turn's start is written (one round trip less
        # before the first token); its events are forwarded only once that write has succeeded.
        first = Prefetched(model, step_request(plan))
        plan = replace(plan, model=first)
        await asyncio.sleep(0)  # let the model request start before the write is sent
        try:
            if refusal := await self.guardrails.before_turn(opening, read=True):
                raise Stopped(refusal.reason)  # read while the model works; nothing stored yet
            await asyncio.to_thread(
                self.sessions.begin_turn, run, user_message, previous=history, idempotency=request.idempotency
            )
        except IdempotencyKeyInUse:
            await first.cancel()  # the same request, sent twice at once: the other one started
            if request.idempotency and (replay := await self._retried(caller, request.idempotency)):
                return replay
            raise
        except BaseException:
            await first.cancel()
            raise
        turn = Turn(
            state=TurnState(run=run, deadline=deadline, user_message=user_message),
            plan=plan,
            ctx=self.context(caller, tenant, run),
            guardrails=self.guardrails,
            stores=self.stores(caller, deadline),
            events=self.event_log(run),
            cancel_check=self.cancel_check(),
            on_disconnect=self.settings.on_disconnect,
        )
        if history.meta is not None and history.meta.awaiting and history.meta.active_run:
            # This new turn passes by the write the last one waited on: it can no longer be given.
            turn.alongside(
                settle_superseded(
                    self.sessions, self.audit, caller.tenant_id, session_id, history.meta.awaiting
                )
            )
        return turn

    async def _retried(self, caller: Caller, key: IdempotencyKey) -> Replay | None:
        """The turn this caller's key started, if any; 422 for another request under the same
        key, 409 while that turn still runs."""
        claim = await asyncio.to_thread(self.sessions.idempotency.find, caller.tenant_id, caller.owner, key)
        if claim is None:
            return None
        if claim.fingerprint != key.fingerprint:
            raise InvalidRequest(
                "this Idempotency-Key was sent with a different request; use a new key for a new request",
                code="idempotency_key_reused",
            )
        record = await asyncio.to_thread(self.sessions.runs.get, caller.tenant_id, claim.run_id)
        if record is None or record.status == "running":
            raise IdempotencyKeyInUse(KEY_IN_USE)
        return Replay(record)

    async def offered(
        self, caller: Caller, tenant: Tenant, tools: list[Tool], deadline: Deadline
    ) -> list[Tool]:
        """``tools`` but those that cannot work for the tenant (an Odoo app not installed, a read
        right its Odoo user lacks). Warm, this asks nothing: a binding's capabilities are cached."""
        offer = await unavailable_tools(
            self.tool_services,
            tenant,
            partial(self.secrets.tenant_secret, caller.tenant_id),
            [tool.name for tool in tools],
            within=min(PROBE_SECONDS, max(deadline.remaining(), 0.001)),
        )
        return [tool for tool in tools if tool.name not in offer.unavailable]

    def context(self, caller: Caller, tenant: Tenant, run: RunRecord) -> RunContext:
        """What the tools of ``run`` know of it."""
        return RunContext(
            caller=caller,
            tenant=tenant,
            run_id=run.run_id,
            session_id=run.session_id,
            agent_id=run.agent_id,
            load_tenant_secret=partial(self.secrets.tenant_secret, caller.tenant_id),
            services=self.tool_services,
        )

    def stores(self, caller: Caller, deadline: Deadline) -> TurnStores:
        return TurnStores(
            sessions=self.sessions,
            audit=AuditTrail(self.audit, caller.tenant_id, deadline),
            events=self.run_events,
        )

    def event_log(self, run: RunRecord) -> EventLog:
        """Where ``run``'s events are numbered and stored: after those it has sent already (a run
        resumed after a confirmation goes on with its numbering)."""
        return EventLog(
            self.run_events,
            run,
            first_seq=run.events + 1,
            flush_seconds=self.settings.event_flush_seconds,
            flush_events=self.settings.event_flush_events,
        )

    def cancel_check(self) -> CancelCheck:
        """A new run's view of its cancel flag."""
        return CancelCheck(self.sessions.runs, self.settings.cancel_check_seconds)

    def model_for(self, tenant: Tenant) -> Model:
        """The tenant's model, retried, with its fallback, and each request counted in the tenant's
        spend (it may read the tenant's secret and the platform key: blocking)."""
        secret = partial(self.secrets.tenant_secret, tenant.tenant_id)
        try:
            primary: Model = self.models.model_for(tenant, secret)
        except ModelError as exc:
            primary = UnavailableModel(tenant.model or self.settings.model_name, exc)
        fallback = None
        if self.fallback_models is not None:
            with contextlib.suppress(ModelError):
                fallback = self.fallback_models.model_for(tenant.model_copy(update={"model": None}), secret)
        resilient = Resilient(primary, fallback, retries=self.settings.model_retries)
        return self.limits.metered(resilient, tenant.tenant_id)
