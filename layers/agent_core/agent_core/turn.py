"""A started turn: the one object that owns its state until the turn is stored.

:class:`Turn` runs the loop over its :class:`TurnState`, forwards what the client sees, keeps the
audit trail, and stores the end of the turn. :meth:`Turn.events` always ends with ``done``,
whatever fails while it streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import anyio

from agent_core.audit_trail import RETRY_DELAYS, AuditTrail
from agent_core.errors import AgentRuntimeError, DeadlineExceeded, StorageUnavailable
from agent_core.events import Done, Error, RunStarted, StreamEvent
from agent_core.guardrails import Guardrails
from agent_core.llm.types import Message
from agent_core.loop import LoopPlan, WriteStarting, run_loop
from agent_core.observability import logger
from agent_core.observability.observer import TurnObserver
from agent_core.observability.tracing import traced_model
from agent_core.store.records import AuditEntry, RunError, RunRecord
from agent_core.store.runs import LEASE_SECONDS_AFTER_DEADLINE
from agent_core.store.sessions import SessionStore
from agent_core.tools.context import RunContext
from agent_core.turn_state import TurnState

# How long past the deadline the end of a turn may still be stored: the session's lease, which
# frees it for the next turn, ends this long after the deadline too.
STORE_GRACE_SECONDS = LEASE_SECONDS_AFTER_DEADLINE


@dataclass(frozen=True)
class TurnStores:
    """Where a turn's end goes: the session (with the run record) and the audit trail."""

    sessions: SessionStore
    audit: AuditTrail


class Turn:
    """A started turn. Iterate :meth:`events` once; it always ends with ``done``, after which
    :attr:`final` holds the run record as stored."""

    def __init__(
        self, *, state: TurnState, plan: LoopPlan, ctx: RunContext, guardrails: Guardrails, stores: TurnStores
    ) -> None:
        self._state = state
        self._plan = replace(plan, model=traced_model(plan.model))
        self._ctx = ctx
        self._guardrails = guardrails
        self._stores = stores
        self._started = time.monotonic()
        self._audited = 0  # steps whose entries are queued
        self.final: RunRecord | None = None
        self._observer = TurnObserver(state.run)

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
        run = self._state.run
        yield RunStarted(run_id=run.run_id, session_id=run.session_id, agent_id=run.agent_id, model=run.model)
        error: Error | None = None
        stop_reason: str | None = None
        try:
            async for event in run_loop(self._state, self._plan, self._ctx, self._guardrails):
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
        except AgentRuntimeError as exc:
            # An outage or a limit, not a bug: logged without a traceback.
            logger.warning(
                "turn failed", extra={"run_id": run.run_id, "tenant_id": run.tenant_id, "code": exc.code}
            )
            error = Error(code=exc.code, message=exc.message)
            stop_reason = "deadline" if isinstance(exc, DeadlineExceeded) else "error"
        except (asyncio.CancelledError, GeneratorExit):
            # The client went away: the turn so far is still stored, then the stream stops.
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

    async def _store(self, final: RunRecord, messages: list[Message]) -> None:
        """The end of the turn, retried while the session's lease lasts; waiting stops there (the
        write may still land, which is harmless: it is this turn's own run and messages)."""
        budget = self._state.deadline.remaining() + STORE_GRACE_SECONDS
        for delay in (*RETRY_DELAYS, None):
            try:
                async with asyncio.timeout(max(budget, 0.1)):
                    await asyncio.to_thread(self._stores.sessions.end_turn, final, messages)
                return
            except TimeoutError:
                raise StorageUnavailable("the turn could not be stored in time") from None
            except AgentRuntimeError:
                budget = self._state.deadline.remaining() + STORE_GRACE_SECONDS
                if delay is None or budget < delay:
                    raise
                await asyncio.sleep(delay)

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
        self.final = final
        failure: AgentRuntimeError | None = None
        if not await self._stores.audit.flush():
            failure = AgentRuntimeError("a tool call could not be recorded", code="storage_unavailable")
        try:
            await self._store(final, [state.user_message, *state.messages])
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
        done = Done(
            run_id=final.run_id,
            status=final.status if final.status != "running" else "completed",
            stop_reason=final.stop_reason or "end_turn",
            usage=final.usage,
            refusal=state.refusal,
        )
        self._observer.turn_ended(final, done)
        return done, None
