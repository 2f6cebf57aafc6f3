"""The kill switch: operators (or the anomaly breaker) turn agents off for every tenant, a tenant, an
agent or a tool, and every process obeys within ``switch_cache_seconds``.

A switched-off tenant or agent gets no new turn (503 ``agents_disabled``) and a run in flight stops
before its next model request; a switched-off tool is refused, and the model reads why. The
switches that apply to a tenant are read in one call and cached for a few seconds; what a process
read last stays in use if the table cannot be read again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from agent_core.errors import StorageUnavailable
from agent_core.guardrails.decision import Decision, ProposedCall, Refuse, Rejection, TurnOpening
from agent_core.observability import logger
from agent_core.store.switches import Switch, Switches, SwitchStore
from agent_core.tools.context import RunContext

# What the client reads (the 503's message, or the error event of a run that was stopped). The
# operator's reason stays with the operators: it may name an incident or another tenant.
DISABLED = "agents temporarily unavailable"
BREAKER = "anomaly-breaker"  # who the anomaly breaker is, in a switch's ``by``
STALE_READ_WAIT_SECONDS = 1.0  # how long a run waits for a fresh read when it has an older one


class KillSwitch:
    def __init__(
        self, store: SwitchStore, *, cache_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._read: dict[str, tuple[float, Switches]] = {}  # tenant → (when read, what was read)

    async def before_turn(self, opening: TurnOpening, *, read: bool) -> Refuse | None:
        tenant_id = opening.tenant.tenant_id
        switches = await self.switches(tenant_id) if read else self.known(tenant_id)
        return _stopped(switches.stopping_agent(opening.agent_id)) if switches else None

    async def before_model(self, ctx: RunContext) -> Refuse | None:
        switches = await self.switches(ctx.tenant.tenant_id)
        return _stopped(switches.stopping_agent(ctx.agent_id))

    async def check(self, call: ProposedCall) -> Decision | None:
        ctx, tool = call.ctx, call.tool.name
        switch = (await self.switches(ctx.tenant.tenant_id)).stopping_tool(ctx.agent_id, tool)
        if switch is None:
            return None
        if switch.tool is None:
            reason = f"{tool} did not run: the agents are switched off for now. Tell the user so."
        else:
            reason = (
                f"{tool} is switched off for now and did not run. Do not call it again; tell the user it is "
                "temporarily unavailable, and help without it if you can."
            )
        return Refuse(reason, _kind(switch))

    def known(self, tenant_id: str) -> Switches | None:
        """The tenant's switches if read within the cache time (no I/O)."""
        read = self._read.get(tenant_id)
        return read[1] if read and self._clock() - read[0] < self.cache_seconds else None

    async def switches(self, tenant_id: str) -> Switches:
        """The tenant's switches: cached, or read now (one BatchGetItem)."""
        if (known := self.known(tenant_id)) is not None:
            return known
        last = self._read.get(tenant_id)
        try:
            # With something to go on, a slow table (botocore retrying) does not hold up the run.
            async with asyncio.timeout(STALE_READ_WAIT_SECONDS if last else None):
                switches = await asyncio.to_thread(self.store.for_tenant, tenant_id)
        except (StorageUnavailable, TimeoutError) as exc:
            if last is None:
                raise
            logger.warning(
                "kill switches not read: acting on the last ones read",
                extra={
                    "tenant_id": tenant_id,
                    "error": exc.message if isinstance(exc, StorageUnavailable) else "timed out",
                    "age_s": round(self._clock() - last[0]),
                },
            )
            return last[1]
        self._read[tenant_id] = (self._clock(), switches)
        return switches

    def forget(self, tenant_id: str) -> None:
        """Read the tenant's switches again next time (this process has just flipped one)."""
        self._read.pop(tenant_id, None)


def _stopped(switch: Switch | None) -> Refuse | None:
    return Refuse(DISABLED, _kind(switch)) if switch else None


def _kind(switch: Switch) -> Rejection:
    return "breaker" if switch.by == BREAKER else "switch"
