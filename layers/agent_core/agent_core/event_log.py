"""A running turn's stream events, numbered and stored in batches without holding the turn up.

:meth:`EventLog.add` numbers each event as the client gets it. Events wait in a buffer; a
background writer stores them as one chunk once ``flush_events`` wait or ``flush_seconds`` have
passed since the oldest arrived, one chunk at a time and in order, so the stored events are always
a prefix of the run's. What is left when the turn ends is written in the turn's end transaction
(:meth:`close` hands it over). A chunk that fails goes back to the front of the buffer and is
tried again with the next one; a reader skips an event it has already read, so a chunk written
twice is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib

from agent_core.events import StreamEvent
from agent_core.observability import logger
from agent_core.store.records import RunRecord
from agent_core.store.run_events import MAX_CHUNK_BYTES, Numbered, RunEventStore

WRITE_TIMEOUT_SECONDS = 5.0


class EventLog:
    """Numbers and stores the events of one run, from ``first_seq`` (a resumed run goes on from
    the events its first part sent)."""

    def __init__(
        self,
        store: RunEventStore,
        run: RunRecord,
        *,
        first_seq: int = 1,
        flush_seconds: float = 1.0,
        flush_events: int = 50,
    ) -> None:
        self._store = store
        self._run = run
        self._next = first_seq
        self._flush_seconds = flush_seconds
        self._flush_events = flush_events
        self._buffer: list[Numbered] = []
        self._bytes = 0
        self._wake = asyncio.Event()
        self._closed = False
        self._writer: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        """The number of the last event added (0 before the first)."""
        return self._next - 1

    def add(self, event: StreamEvent) -> Numbered:
        """Number ``event`` and queue it for storing."""
        numbered = Numbered(self._next, event)
        self._next += 1
        self._buffer.append(numbered)
        self._bytes += len(event.model_dump_json())
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        if len(self._buffer) >= self._flush_events or self._bytes >= MAX_CHUNK_BYTES:
            self._wake.set()
        return numbered

    async def close(self) -> list[Numbered]:
        """Stop writing in the background (a chunk under way is finished) and return the events
        not stored yet, for the turn's end transaction."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            await asyncio.wait([self._writer])
        rest, self._buffer, self._bytes = self._buffer, [], 0
        return rest

    def stop(self) -> None:
        """Let the background writer end (after a chunk under way) without waiting for it: the
        last word of a turn however it ended, so no writer outlives its turn."""
        self._closed = True
        self._wake.set()

    async def _write(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._flush_seconds)
            self._wake.clear()
            if self._closed or not self._buffer:
                continue
            chunk, self._buffer, self._bytes = self._buffer, [], 0
            try:
                await asyncio.wait_for(
                    asyncio.to_thread(self._store.put, self._run, chunk), WRITE_TIMEOUT_SECONDS
                )
            except Exception as exc:  # the end transaction (or the next chunk) stores them instead
                logger.warning(
                    "could not store a run's events yet",
                    extra={"run_id": self._run.run_id, "events": len(chunk), "error": type(exc).__name__},
                )
                self._buffer = chunk + self._buffer
                self._bytes = sum(len(n.event.model_dump_json()) for n in self._buffer)
