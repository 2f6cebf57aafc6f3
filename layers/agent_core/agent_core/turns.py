"""One chat turn, end to end: checks, durable user message, the loop, persistence, terminal event.

:meth:`ChatService.start` does everything that can still fail with an HTTP status (unknown agent,
busy session, unreachable table) before the response starts; :meth:`Turn.events` then always
ends with ``done``, whatever fails while it streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial

import anyio

from agent_core.agents.registry import AgentRegistry
from agent_core.clock import iso, utc_now
from agent_core.errors import AgentRuntimeError, InvalidRequest, NotFound, SessionBusy
from agent_core.events import Done, Error, RunStarted, StreamEvent, TextDelta, ToolCall, ToolResult
from agent_core.ids import new_run_id, new_session_id
from agent_core.llm.model import Model, ModelProvider
from agent_core.llm.types import Message
from agent_core.loop import AgentLoop, ToolCallRecord
from agent_core.observability import logger
from agent_core.schemas import ChatReply, ChatRequest, ToolCallSummary
from agent_core.secrets import Secrets
from agent_core.settings import Settings
from agent_core.store.audit import AuditStore
from agent_core.store.records import AuditEntry, RunError, RunRecord, RunStep
from agent_core.store.runs import RunStore
from agent_core.store.sessions import SessionStore
from agent_core.store.tenants import TenantStore
from agent_core.tenancy import Caller
from agent_core.tools.context import RunContext
from agent_core.tools.services import ToolServices

LEASE_MARGIN_SECONDS = 30
MAX_STORED_REPLY_CHARS = 16_000


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
        turn = Turn(service=self, record=record, model_error=model_error)
        if model is not None:
            turn.loop = AgentLoop(
                model=model,
                ctx=ctx,
                system=f"{agent.prompt}\n\nToday is {now:%A %Y-%m-%d} (UTC).",
                history=(*history.messages, user_message),
                tools=agent.select_tools(request.tools),
                max_steps=request.max_steps or agent.default_max_steps,
                max_tokens=self.settings.max_output_tokens,
                deadline=asyncio.get_running_loop().time() + self.settings.turn_timeout_seconds,
                tool_timeout_seconds=self.settings.tool_timeout_seconds,
                on_tool_call=partial(self._audit, record),
                write_mode=tenant.write_mode(agent_id),
            )
        return turn

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


class Turn:
    """A started turn. Iterate :meth:`events` once; it always ends with ``done``."""

    def __init__(
        self, *, service: ChatService, record: RunRecord, model_error: AgentRuntimeError | None
    ) -> None:
        self.service = service
        self.record = record
        self.model_error = model_error
        self.loop: AgentLoop | None = None
        self.final: RunRecord | None = None
        self._started = time.monotonic()

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def session_id(self) -> str:
        return self.record.session_id

    async def events(self) -> AsyncIterator[StreamEvent]:
        record = self.record
        yield RunStarted(
            run_id=record.run_id, session_id=record.session_id, agent_id=record.agent_id, model=record.model
        )
        error: Error | None = None
        stop_reason: str | None = None
        try:
            if self.loop is None:
                raise self.model_error or AgentRuntimeError("no model for this turn")
            async for event in self.loop.run():
                yield event
        except AgentRuntimeError as exc:
            error = Error(code=exc.code, message=exc.message)
            stop_reason = "deadline" if exc.code == "deadline_exceeded" else "error"
        except (asyncio.CancelledError, GeneratorExit):
            # The client went away: the turn so far is still stored, then the stream stops.
            with anyio.CancelScope(shield=True):
                await self._finish(
                    Error(code="client_disconnected", message="the client disconnected"), "cancelled"
                )
            raise
        except Exception:
            logger.exception("turn failed", extra={"run_id": record.run_id, "tenant_id": record.tenant_id})
            error = Error(code="internal_error", message="the run failed unexpectedly")
            stop_reason = "error"
        if error is not None:
            yield error
        done, storage_error = await self._finish(error, stop_reason)
        if storage_error is not None:
            yield storage_error
        yield done

    async def reply(self) -> ChatReply:
        """Run the turn to its end and gather it into one reply."""
        text: list[str] = []
        calls: dict[str, ToolCallSummary] = {}
        error: Error | None = None
        done: Done | None = None
        async for event in self.events():
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ToolCall):
                calls[event.call_id] = ToolCallSummary(
                    call_id=event.call_id, tool=event.tool, input=event.input
                )
            elif isinstance(event, ToolResult):
                calls[event.call_id] = calls[event.call_id].model_copy(
                    update={"ok": event.ok, "latency_ms": event.latency_ms, "result_size": event.result_size}
                )
            elif isinstance(event, Error):
                error = event
            elif isinstance(event, Done):
                done = event
        assert done is not None, "a turn always ends with done"
        return ChatReply(
            run_id=self.run_id,
            session_id=self.session_id,
            status=done.status,
            stop_reason=done.stop_reason,
            reply="".join(text),
            tool_calls=list(calls.values()),
            usage=done.usage,
            error=RunError(code=error.code, message=error.message) if error else None,
        )

    async def _finish(self, error: Error | None, stop_reason: str | None) -> tuple[Done, Error | None]:
        """Store the turn and the final run record; report a storage failure as one more error."""
        loop = self.loop
        now = utc_now()
        status = "failed" if error else "completed"
        final = self.record.model_copy(
            update={
                "status": status,
                "stop_reason": stop_reason or (loop.stop_reason if loop else None) or "end_turn",
                "usage": loop.usage if loop else self.record.usage,
                "steps": tuple(_step(call) for call in (loop.tool_calls if loop else [])),
                "reply": _reply(loop.new_messages if loop else [])[:MAX_STORED_REPLY_CHARS],
                "error": RunError(code=error.code, message=error.message) if error else None,
                "finished_at": iso(now),
                "duration_ms": int((time.monotonic() - self._started) * 1000),
            }
        )
        self.final = final
        try:
            await asyncio.to_thread(
                partial(
                    self.service.sessions.end_turn,
                    final.tenant_id,
                    final.session_id,
                    turn=final.turn,
                    messages=loop.new_messages if loop else [],
                    run_item=self.service.runs.item(final, now),
                    now=now,
                )
            )
        except AgentRuntimeError as exc:
            logger.error("could not store the turn", extra={"run_id": final.run_id, "error": exc.message})
            failure = Error(code=exc.code, message="the turn could not be stored")
            stop = final.stop_reason if error else "error"
            return Done(run_id=final.run_id, status="failed", stop_reason=stop, usage=final.usage), failure
        done = Done(
            run_id=final.run_id, status=status, stop_reason=final.stop_reason or "end_turn", usage=final.usage
        )
        return done, None


def _reply(messages: list[Message]) -> str:
    return "".join(message.text for message in messages if message.role == "assistant")


def _step(call: ToolCallRecord) -> RunStep:
    return RunStep(
        call_id=call.call_id,
        tool=call.tool,
        input=call.input,
        ok=call.ok,
        latency_ms=call.latency_ms,
        result_size=call.result_size,
        mode=call.mode,
        output_summary=call.output_summary,
    )
