"""How a run learns, on whichever instance it runs, that someone cancelled it.

``POST /executions/{run_id}/cancel`` flags the run's item in the table; the running turn reads that
one attribute every ``every_seconds`` in the background (never before a model request), and once it
is set the loop stops before its next model or tool call and the run ends ``cancelled``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from agent_core.errors import AgentRuntimeError
from agent_core.observability import logger
from agent_core.store.runs import RunStore
from agent_core.turn_state import TurnState


@dataclass(frozen=True)
class CancelWatch:
    """Reads a running run's cancel flag on a timer."""

    runs: RunStore
    every_seconds: float

    async def watch(self, state: TurnState) -> None:
        """Until the run is cancelled (then mark ``state``) or this task is cancelled."""
        run = state.run
        while True:
            await asyncio.sleep(self.every_seconds)
            try:
                requested = await asyncio.to_thread(self.runs.cancel_requested, run.tenant_id, run.run_id)
            except AgentRuntimeError as exc:
                logger.warning(
                    "could not read a run's cancel flag", extra={"run_id": run.run_id, "error": exc.code}
                )
                continue
            if requested:
                logger.info("run cancelled", extra={"run_id": run.run_id, "tenant_id": run.tenant_id})
                state.cancelled = True
                return
