"""How a run learns, on whichever instance it runs, that someone cancelled it.

``POST /executions/{run_id}/cancel`` flags the run's item in the table. Before a model request or a
tool call, a run whose flag was read more than ``every_seconds`` ago reads it again (one attribute,
a few milliseconds, at most 1 s); once it is set, the loop stops there and the run ends
``cancelled``. A turn shorter than ``every_seconds`` reads nothing.
"""

from __future__ import annotations

import asyncio
import time

from agent_core.errors import AgentRuntimeError
from agent_core.observability import logger
from agent_core.store.runs import RunStore
from agent_core.turn_state import TurnState

READ_TIMEOUT_SECONDS = 1.0


class CancelCheck:
    """One run's view of its cancel flag, read again when it is older than ``every_seconds``."""

    def __init__(self, runs: RunStore, every_seconds: float) -> None:
        self._runs = runs
        self._every = every_seconds
        self._read_at = time.monotonic()  # the run has just started: nobody has cancelled it yet

    async def check(self, state: TurnState) -> None:
        """Mark ``state`` cancelled if the run's flag says so (a failed read changes nothing)."""
        if state.cancelled or time.monotonic() - self._read_at < self._every:
            return
        self._read_at = time.monotonic()
        run = state.run
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                requested = await asyncio.to_thread(self._runs.cancel_requested, run.tenant_id, run.run_id)
        except (AgentRuntimeError, TimeoutError) as exc:
            logger.warning(
                "could not read a run's cancel flag", extra={"run_id": run.run_id, "error": str(exc)}
            )
            return
        if requested:
            logger.info("run cancelled", extra={"run_id": run.run_id, "tenant_id": run.tenant_id})
            state.cancelled = True
