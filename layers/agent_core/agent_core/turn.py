"""A started turn: the one object that owns its state until the turn is stored.

:class:`Turn` runs the loop over its :class:`TurnState`, forwards what the client sees, keeps the
audit trail, and stores the end of the turn. :meth:`Turn.events` always ends with ``done``,
whatever fails while it streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import anyio

from agent_core.audit_trail import RETRY_DELAYS, AuditTrail
from agent_core.cancellation import CancelCheck
from agent_core.errors import (
    AgentRuntimeError,
    ClientGone,
    DeadlineExceeded,
    RunCancelled,
    StorageUnavailable,
)
from agent_core.event_log import EventLog
from agent_core.events import Done, Error, RunStarted, StreamEvent
from agent_core.guardrails import Guardrails
from agent_core.loop import LoopPlan, Resumption, WriteStarting, run_loop
from agent_core.observability import logger
from agent_core.observability.observer import TurnObserver
from agent_core.observability.tracing import traced_model
from agent_core.settings import OnDisconnect
from agent_core.store.confirmations import Confirmation, arguments_hash
from agent_core.store.records import AuditEntry, RunError, RunRecord, ToolCallRecord
from agent_core.store.run_events import Numbered, RunEventStore, chunks
from agent_core.store.runs import LEASE_SECONDS_AFTER_DEADLINE
from agent_core.store.sessions import SessionStore
from agent_core.tools.context import RunContext
from agent_core.turn_state import Awaiting, TurnState

# How long past the deadline the end of a turn may still be stored: the session's lease, which
# frees it for the next turn, ends this long after the deadline too.
STORE_GRACE_SECONDS = LEASE_SECONDS_AFTER_DEADLINE


@dataclass(frozen=True)
class Resumed:
    """A run going on after a confirmation: where its loop starts, and what of its turn is stored
    already (the first ``stored`` of the state's messages, in parts before ``first_part``)."""

    at: Resumption
    first_part: int
    stored: int


@dataclass(frozen=True)
class TurnStores:
    """Where a turn's end goes: the session (with the run record), the audit trail, and the
    run's stream events."""

    sessions: SessionStore
    audit: AuditTrail
    events: RunEventStore


class Turn:
    """A started turn. Iterate :meth:`events` once; it always ends with ``done``, after which
    :attr:`final` holds the run record as stored."""

    def __init__(
        self,
        *,
        state: TurnState,
        plan: LoopPlan,
        ctx: RunContext,
        guardrails: Guardrails,
        stores: TurnStores,
        events: EventLog,
        cancel_check: CancelCheck | None = None,
        resumed: Resumed | None = None,
        on_disconnect: OnDisconnect = "finish",
    ) -> None:
        self._state = state
        self._plan = replace(plan, model=traced_model(plan.model))
        self._ctx = ctx
        self._guardrails = guardrails
        self._stores = stores
        self._resumed = resumed
        self._on_disconnect = on_disconnect
        self._log = events
        self._cancel_check = cancel_check
        self._chores: list[asyncio.Task[None]] = []
        self._started = time.monotonic()
        self._audited = 0  # steps whose entries are queued
        self.final: RunRecord | None = None
        self._observer = TurnObserver(state.run)

    def alongside(self, chore: Coroutine[Any, Any, None]) -> None:
        """Do ``chore`` while the turn runs (it must not raise); the turn ends once it is done."""
        self._chores.append(asyncio.create_task(chore))

    @property
    def run(self) -> RunRecord:
        """The run as it started."""
        return self._state.run

    @property
    def run_id(self) -> str:
        return self._state.run.run_id

    @property
    def session_id(self) -> str:
        return self._state.run.session_id

    async def events(self) -> AsyncIterator[StreamEvent]:
        """The turn's events as they happen, ``done`` last (see :meth:`numbered`)."""
        async with contextlib.aclosing(self.numbered()) as numbered:
            async for item in numbered:
                yield item.event

    async def numbered(self) -> AsyncGenerator[Numbered]:
        """The turn's events as they happen, each with its number in the run, ``done`` last.

        Each is stored as it is numbered (in batches; see :class:`EventLog`). The turn runs in a
        task of its own: a client that goes away does not stop it. It finishes (or, with
        ``on_disconnect="stop"``, stops before its next model or tool call) and is stored before
        this generator lets the request end, so a function's invocation lasts until then.
        """
        queue: asyncio.Queue[Numbered | None] = asyncio.Queue()
        runner = asyncio.create_task(self._run(queue))
        try:
            while (event := await queue.get()) is not None:
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            self.client_left()
            with anyio.CancelScope(shield=True):
                await asyncio.wait([runner])
            raise
        await runner

    def client_left(self) -> None:
        """The client went away: the run goes on to its end, or with ``on_disconnect="stop"``
        stops before its next model or tool call; either way it is stored."""
        if self.final is not None or self._state.stop_requested:
            return
        logger.info("client disconnected", extra={"run_id": self.run_id, "then": self._on_disconnect})
        if self._on_disconnect == "stop":
            self._state.stop_requested = True

    async def _run(self, queue: asyncio.Queue[Numbered | None]) -> None:
        try:
            async for event in self._events():
                queue.put_nowait(self._log.add(event))
        finally:
            self._log.stop()  # stopped already when the turn was stored; not if storing it failed
            queue.put_nowait(None)

    async def _events(self) -> AsyncIterator[StreamEvent]:
        run = self._state.run
        yield RunStarted(run_id=run.run_id, session_id=run.session_id, agent_id=run.agent_id, model=run.model)
        error: Error | None = None
        stop_reason: str | None = None
        try:
            resume = self._resumed.at if self._resumed else None
            async for event in run_loop(
                self._state, self._plan, self._ctx, self._guardrails, resume, cancel_check=self._cancel_check
            ):
                if isinstance(event, WriteStarting):
                    # Durable before the write reaches the tenant's system: a crash after it still
                    # leaves an entry saying the write was about to run.
                    await self._stores.audit.write_now(
                        AuditEntry.of(event.call, run=run, outcome_known=False)
                    )
                    continue
                self._audit_new_steps()
                self._observer.saw(event)
                yield event
        except RunCancelled:
            stop_reason = "cancelled"  # asked for: the run ends cancelled, not failed (no error)
        except AgentRuntimeError as exc:
            # An outage or a limit, not a bug: logged without a traceback.
            logger.warning(
                "turn failed", extra={"run_id": run.run_id, "tenant_id": run.tenant_id, "code": exc.code}
            )
            error = Error(code=exc.code, message=exc.message)
            stop_reason = (
                "deadline"
                if isinstance(exc, DeadlineExceeded)
                else "cancelled"
                if isinstance(exc, ClientGone)
                else "error"
            )
        except (asyncio.CancelledError, GeneratorExit):
            # The run itself was cancelled (its process is shutting down): store the turn so far.
            with anyio.CancelScope(shield=True):
                await self._finish(
                    Error(code="client_disconnected", message="the client disconnected"), "cancelled"
                )
            raise
        except Exception:
            logger.exception("turn failed", extra={"run_id": run.run_id, "tenant_id": run.tenant_id})
            error = Error(code="internal_error", message="the run failed unexpectedly")
            stop_reason = "error"
        if error is not None:
            yield error
        done, storage_error = await self._finish(error, stop_reason)
        if storage_error is not None:
            yield storage_error
        yield done

    async def _store(self, final: RunRecord, events: list[Numbered]) -> None:
        """The end of the turn, retried while the session's lease lasts; waiting stops there (the
        write may still land, which is harmless: it is this turn's own run and messages)."""
        state = self._state
        resumed = self._resumed
        messages = state.messages[resumed.stored :] if resumed else [state.user_message, *state.messages]
        end = partial(
            self._stores.sessions.end_turn,
            final,
            messages,
            first_part=resumed.first_part if resumed else 0,
            confirmation=self._confirmation(state.awaiting) if final.awaiting and state.awaiting else None,
            events=[self._stores.events.chunk_item(final, chunk) for chunk in chunks(events)],
        )
        budget = self._state.deadline.remaining() + STORE_GRACE_SECONDS
        for delay in (*RETRY_DELAYS, None):
            try:
                async with asyncio.timeout(max(budget, 0.1)):
                    await asyncio.to_thread(end)
                return
            except TimeoutError:
                raise StorageUnavailable("the turn could not be stored in time") from None
            except AgentRuntimeError:
                budget = self._state.deadline.remaining() + STORE_GRACE_SECONDS
                if delay is None or budget < delay:
                    raise
                await asyncio.sleep(delay)

    def _confirmation(self, awaiting: Awaiting) -> Confirmation:
        """What is stored of the write the run paused on, to resume it exactly there."""
        run, plan = self._state.run, self._plan
        return Confirmation(
            call_id=awaiting.call_id,
            run_id=run.run_id,
            tenant_id=run.tenant_id,
            session_id=run.session_id,
            agent_id=run.agent_id,
            caller_id=run.caller_id,
            turn=run.turn,
            tool=awaiting.tool,
            tool_use_id=awaiting.tool_use_id,
            arguments=awaiting.arguments,
            arguments_sha256=arguments_hash(awaiting.arguments),
            position=awaiting.position,
            tools=tuple(plan.tools),
            steps_left=max(plan.max_steps - self._state.model_calls, 1),
            max_tokens=plan.max_tokens,
            thinking=plan.thinking,
            created_at=awaiting.started_at,
            expires_at=awaiting.expires_at,
        )

    def _audit_new_steps(self) -> None:
        """Queue an audit entry for each step the loop has finished since the last look."""
        for step in self._state.steps[self._audited :]:
            self._stores.audit.write_later(AuditEntry.of(step, run=self._state.run))
            self._observer.call_ended(step)
        self._audited = len(self._state.steps)

    async def _finish(self, error: Error | None, stop_reason: str | None) -> tuple[Done, Error | None]:
        """Store the turn and its final run record; report a storage failure as one more error."""
        state = self._state
        self._audit_new_steps()
        final = state.ended(
            error=RunError(code=error.code, message=error.message) if error else None,
            stop_reason=stop_reason,
            duration_ms=int((time.monotonic() - self._started) * 1000),
        )
        # ``done`` is numbered next and stored with the turn's end (a failed store says so instead).
        final = final.model_copy(update={"events": self._log.last_seq + 1})
        done = Done(
            run_id=final.run_id,
            status="completed" if final.status == "running" else final.status,
            stop_reason=final.stop_reason or "end_turn",
            usage=final.usage,
            refusal=state.refusal,
        )
        self.final = final
        if final.awaiting is not None and state.awaiting is not None:
            self._stores.audit.write_later(
                AuditEntry.of(awaiting_record(state.awaiting), run=final, outcome_known=False)
            )
        failure: AgentRuntimeError | None = None
        if self._chores:
            await asyncio.gather(*self._chores, return_exceptions=True)
        await self._guardrails.settle()  # their counters, sent in the background
        if not await self._stores.audit.flush():
            failure = AgentRuntimeError("a tool call could not be recorded", code="storage_unavailable")
        try:
            await self._store(final, [*await self._log.close(), Numbered(final.events, done)])
        except AgentRuntimeError as exc:
            logger.error(
                "could not store the turn: its run reads as failed after its deadline",
                extra={"run": final.model_dump(exclude={"reply"}), "error": exc.message},
            )
            failure = exc
        if failure is not None:
            stop = final.stop_reason if error else "error"
            done = Done(run_id=final.run_id, status="failed", stop_reason=stop or "error", usage=final.usage)
            self._observer.turn_ended(final, done, storage_error=failure.code)
            return done, Error(code=failure.code, message="the turn could not be stored")
        self._observer.turn_ended(final, done)
        return done, None


def awaiting_record(awaiting: Awaiting) -> ToolCallRecord:
    """The audit's view of a write waiting for a person: not run yet, its outcome unknown."""
    return ToolCallRecord(
        call_id=awaiting.call_id,
        tool=awaiting.tool,
        input=awaiting.input,
        ok=False,
        error=f"waiting for a person's confirmation until {awaiting.expires_at}",
        started_at=awaiting.started_at,
    )
