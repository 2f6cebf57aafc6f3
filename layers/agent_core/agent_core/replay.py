"""A turn told again: the answer to a request retried with the same ``Idempotency-Key``.

It is built from the run's stored record, so it answers as the turn stands now (a run that paused
for a confirmation since decided reads as it went on). Its events are those of the turn, compacted:
each tool call with its outcome, then the reply as one ``text_delta`` (the run record's, up to
16,000 characters), then how it ended.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from agent_core.events import (
    Done,
    Error,
    RunStarted,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolConfirmation,
    ToolResult,
    WouldExecute,
)
from agent_core.store.records import RunRecord
from agent_core.store.run_events import Numbered
from agent_core.stored_run import StoredRun


class Replay(StoredRun):
    """A finished (or paused) turn, read back: it streams and answers like the :class:`Turn` it was."""

    def __init__(self, record: RunRecord) -> None:
        if record.status == "running":
            raise ValueError("only a run that has ended can be replayed")
        super().__init__(record, final=record)

    async def events(self) -> AsyncIterator[StreamEvent]:
        for event in replayed_events(self.run):
            yield event

    async def numbered(self) -> AsyncGenerator[Numbered]:
        """The compacted events, numbered from 1 (their ids are not the run's own)."""
        for seq, event in enumerate(replayed_events(self.run), start=1):
            yield Numbered(seq, event)


def replayed_events(run: RunRecord) -> list[StreamEvent]:
    """The events a client read of ``run``, compacted (see the module's docstring)."""
    events: list[StreamEvent] = [
        RunStarted(run_id=run.run_id, session_id=run.session_id, agent_id=run.agent_id, model=run.model)
    ]
    for step in run.steps:
        events.append(ToolCall(call_id=step.call_id, tool=step.tool, input=step.input))
        if step.mode == "shadow" and step.ok:
            events.append(WouldExecute(call_id=step.call_id, tool=step.tool, input=step.input))
        events.append(
            ToolResult(
                call_id=step.call_id,
                tool=step.tool,
                ok=step.ok,
                latency_ms=step.latency_ms,
                result_size=step.result_size,
            )
        )
    if run.reply:
        events.append(TextDelta(text=run.reply))
    if run.status == "awaiting_confirmation" and run.awaiting is not None:
        pending = run.awaiting
        events.append(ToolCall(call_id=pending.call_id, tool=pending.tool, input=pending.input))
        events.append(
            ToolConfirmation(
                call_id=pending.call_id, tool=pending.tool, input=pending.input, expires_at=pending.expires_at
            )
        )
    if run.error is not None:
        events.append(Error(code=run.error.code, message=run.error.message))
    status = "completed" if run.status == "running" else run.status
    events.append(
        Done(run_id=run.run_id, status=status, stop_reason=run.stop_reason or "end_turn", usage=run.usage)
    )
    return events
