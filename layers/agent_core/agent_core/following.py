"""Following a run's stream from a given event: what is stored, then what is stored next.

A client that lost its stream (``Last-Event-ID``) or reads a run from elsewhere
(``GET /executions/{run_id}/events?after=<seq>``) gets each event after ``after`` once, in order,
with the number it had live. While the run is still going, the table is read again every
``poll_seconds``; the follow ends with the run's last ``done`` (a run paused for a confirmation and
resumed since goes on past the ``done`` of its pause, with the numbers that follow). A run whose
end was never stored reads as failed once its lease has run out (its deadline and a few seconds):
its ``done`` is then told from its run record, numbered after the last event stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from agent_core.errors import AgentRuntimeError
from agent_core.events import Done, Error, StreamEvent
from agent_core.store.records import RunRecord
from agent_core.store.run_events import Numbered, RunEventStore
from agent_core.store.runs import RunStore
from agent_core.stored_run import StoredRun

MAX_READ_FAILURES = 3
UNREADABLE = "the run's events could not be read; reconnect with the Last-Event-ID of this frame"


class RunFollower(StoredRun):
    """The events of ``run`` after number ``after``, until its ``done``."""

    def __init__(
        self, runs: RunStore, events: RunEventStore, run: RunRecord, *, after: int, poll_seconds: float
    ) -> None:
        super().__init__(run)
        self._runs = runs
        self._events = events
        self._after = after
        self._poll_seconds = poll_seconds

    async def numbered(self) -> AsyncGenerator[Numbered]:
        """The events, each once and in order, until the run's last ``done``; a table that cannot
        be read three times running ends the follow with an ``error`` instead."""
        cursor = self._after
        tenant_id, run_id = self.run.tenant_id, self.run.run_id
        failures = 0
        while True:
            try:
                # The run first, then its events: a run read as ended has stored all it ever will.
                record = await asyncio.to_thread(self._runs.get, tenant_id, run_id)
                found = await asyncio.to_thread(self._events.after, tenant_id, run_id, cursor)
            except AgentRuntimeError as exc:
                failures += 1
                if failures < MAX_READ_FAILURES:
                    await asyncio.sleep(self._poll_seconds)
                    continue
                # Under the id of the last event sent: a reconnect with it resumes right there.
                yield Numbered(cursor, Error(code=exc.code, message=f"{UNREADABLE} ({exc.message})"))
                return
            failures = 0
            for item in found:
                cursor = item.seq
                yield item
                if item.event.type == "done" and not _goes_on_after(record, item.seq):
                    self.final = record
                    return
            if record is None or record.status != "running":
                final = record or self.run
                self.final = final
                for event in ended_events(final):
                    cursor += 1
                    yield Numbered(cursor, event)
                return
            await asyncio.sleep(self._poll_seconds)


def _goes_on_after(record: RunRecord | None, done_seq: int) -> bool:
    """Whether the run sent more after the ``done`` numbered ``done_seq``: it paused there for a
    confirmation and has been resumed since (it runs again, or has sent later events)."""
    if record is None:
        return False
    return (record.status == "running" and done_seq <= record.events) or record.events > done_seq


def ended_events(run: RunRecord) -> list[StreamEvent]:
    """How a run that stored no ``done`` ended, told from its record: its error, then ``done``."""
    events: list[StreamEvent] = []
    if run.error is not None:
        events.append(Error(code=run.error.code, message=run.error.message))
    status = "failed" if run.status == "running" else run.status
    events.append(
        Done(run_id=run.run_id, status=status, stop_reason=run.stop_reason or "error", usage=run.usage)
    )
    return events
