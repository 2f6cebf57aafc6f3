"""A turn's audit entries, written while the model works and awaited before the turn ends.

An entry never holds up the next model request, except the one written before a live write runs:
that write must not reach the tenant's system without an entry saying it was about to. Each write
is retried within the turn's deadline; an entry that still cannot be written is logged whole, so
the operator has it even when the table does not.
"""

from __future__ import annotations

import asyncio

from agent_core.deadline import Deadline
from agent_core.errors import AgentRuntimeError, StorageUnavailable
from agent_core.observability import logger
from agent_core.store.audit import AuditStore
from agent_core.store.records import AuditEntry

RETRY_DELAYS = (0.1, 0.3, 0.9, 2.0)
SPARE_SECONDS = 1.0  # kept for storing the turn itself


class AuditTrail:
    def __init__(self, store: AuditStore, tenant_id: str, deadline: Deadline) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.deadline = deadline
        self._writes: list[asyncio.Task[bool]] = []

    async def write_now(self, entry: AuditEntry) -> None:
        """Write ``entry`` before going on; raises :class:`StorageUnavailable` if it cannot be."""
        if not await self._write(entry):
            raise StorageUnavailable("the tool call could not be recorded, so it did not run")

    def write_later(self, entry: AuditEntry) -> None:
        """Write ``entry`` in the background; :meth:`flush` waits for it."""
        self._writes.append(asyncio.create_task(self._write(entry)))

    async def flush(self) -> bool:
        """Wait for every background write, until ``SPARE_SECONDS`` past the deadline at most (the
        rest of the grace is the turn's own store's); False if one could not be written (logged)."""
        writes, self._writes = self._writes, []
        try:
            async with asyncio.timeout(max(self.deadline.remaining(), 0) + SPARE_SECONDS):
                done = await asyncio.gather(*writes)
        except TimeoutError:
            return False  # each write still waiting was cancelled, and logged its entry
        return all(done)

    async def _write(self, entry: AuditEntry) -> bool:
        for delay in (*RETRY_DELAYS, None):
            try:
                await asyncio.to_thread(self.store.record, self.tenant_id, entry)
            except AgentRuntimeError as exc:
                if delay is None or self.deadline.remaining() < delay + SPARE_SECONDS:
                    self._not_stored(entry, exc.message)
                    return False
                await asyncio.sleep(delay)
            except asyncio.CancelledError:
                self._not_stored(entry, "the table did not answer in time")
                raise
            else:
                return True
        return False

    def _not_stored(self, entry: AuditEntry, error: str) -> None:
        logger.error(
            "audit entry not stored",
            extra={"tenant_id": self.tenant_id, "error": error, "entry": entry.model_dump()},
        )
