"""A started turn: its events, always ending with ``done``, and the storing of what it did."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from functools import partial

import anyio

from agent_core.clock import iso, utc_now
from agent_core.errors import AgentRuntimeError, DeadlineExceeded
from agent_core.events import Done, Error, RunStarted, StreamEvent, TextDelta, ToolCall, ToolResult
from agent_core.llm.types import Message
from agent_core.loop import AgentLoop, ToolCallRecord
from agent_core.observability import logger
from agent_core.schemas import ChatReply, ToolCallSummary
from agent_core.store.records import RunError, RunRecord, RunStep
from agent_core.store.runs import RunStore
from agent_core.store.sessions import SessionStore

MAX_STORED_REPLY_CHARS = 16_000


class Turn:
    """A started turn. Iterate :meth:`events` once; it always ends with ``done``."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        runs: RunStore,
        record: RunRecord,
        loop: AgentLoop | None,
        model_error: AgentRuntimeError | None,
    ) -> None:
        self.sessions = sessions
        self.runs = runs
        self.record = record
        self.loop = loop
        self.model_error = model_error
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
            # An outage or a limit, not a bug: logged without a traceback.
            context = {"run_id": record.run_id, "tenant_id": record.tenant_id, "code": exc.code}
            logger.warning("turn failed", extra=context)
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
            refusal=done.refusal,
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
                    self.sessions.end_turn,
                    final.tenant_id,
                    final.session_id,
                    turn=final.turn,
                    messages=loop.new_messages if loop else [],
                    run_item=self.runs.item(final, now),
                    now=now,
                )
            )
        except AgentRuntimeError as exc:
            logger.error("could not store the turn", extra={"run_id": final.run_id, "error": exc.message})
            failure = Error(code=exc.code, message="the turn could not be stored")
            stop = final.stop_reason if error else "error"
            return Done(run_id=final.run_id, status="failed", stop_reason=stop, usage=final.usage), failure
        done = Done(
            run_id=final.run_id,
            status=status,
            stop_reason=final.stop_reason or "end_turn",
            usage=final.usage,
            refusal=loop.refusal if loop else None,
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
