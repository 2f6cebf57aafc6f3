"""The anomaly breaker: a tenant's tool calls are counted per hour, and an hour far above the
tenant's usual (more than ``factor`` times its trailing 24-hour hourly average, and more than
``floor``) sends an alert and, where the tenant is set to ``breaker: switch_off``, turns the
tenant's switch off (flipped by ``anomaly-breaker``; an operator turns it on again).

It never holds up a turn: calls are counted in memory and added to the hour's bucket in the
background, at most once per ``flush_seconds`` per tenant and process (an atomic ``ADD`` whose
answer is the hour's total across every process). Only an hour past the floor reads the 24 hours
before it (one Query, once per tenant and hour in a process), and an hour alerts once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from agent_core.clock import iso, utc_now
from agent_core.errors import AgentRuntimeError
from agent_core.guardrails.breaker_alert import BreakerAlert, Trip
from agent_core.guardrails.decision import Decision, ProposedCall
from agent_core.guardrails.kill_switch import BREAKER, KillSwitch
from agent_core.observability import logger
from agent_core.store.switches import SwitchStore, SwitchTarget
from agent_core.store.tool_counts import ToolCallCounts, hour_of, hour_start
from agent_core.tenancy import Tenant

SETTLE_SECONDS = 2.0  # the most a turn's end waits for counts (an alert may take a few calls)


class AnomalyBreaker:
    def __init__(
        self,
        counts: ToolCallCounts,
        switches: SwitchStore,
        kill_switch: KillSwitch,
        alert: BreakerAlert,
        *,
        factor: float,
        floor: int,
        flush_seconds: float,
        now: Callable[[], datetime] = utc_now,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.counts = counts
        self.switches = switches
        self.kill_switch = kill_switch
        self.alert = alert
        self.factor = factor
        self.floor = floor
        self.flush_seconds = flush_seconds
        self._now = now
        self._clock = clock
        self._pending: dict[tuple[str, datetime], int] = {}  # (tenant, hour) → calls not yet added
        self._tenants: dict[str, Tenant] = {}  # each tenant as its latest call saw it
        self._flushed: dict[str, float] = {}  # tenant → when its counts were last sent
        self._averages: dict[str, tuple[datetime, float]] = {}  # tenant → (hour, trailing average)
        self._tasks: set[asyncio.Task[None]] = set()

    async def check(self, call: ProposedCall) -> Decision | None:
        """Count the call (it is not this rule's to refuse: the tenant's switch does that)."""
        tenant = call.ctx.tenant
        key = (tenant.tenant_id, hour_start(self._now()))
        self._pending[key] = self._pending.get(key, 0) + 1
        self._tenants[tenant.tenant_id] = tenant
        last = self._flushed.get(tenant.tenant_id)
        if last is None or self._clock() - last >= self.flush_seconds:
            self._flushed[tenant.tenant_id] = self._clock()
            task = asyncio.create_task(self._flush(tenant.tenant_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return None

    async def settle(self) -> None:
        """Wait a little for the counts being sent: Lambda freezes what is left when the turn ends,
        but a slow table must not hold up the end of a turn for a count."""
        loop = asyncio.get_running_loop()
        if pending := [task for task in self._tasks if task.get_loop() is loop]:
            await asyncio.wait(pending, timeout=SETTLE_SECONDS)

    async def _flush(self, tenant_id: str) -> None:
        for key in [key for key in self._pending if key[0] == tenant_id]:
            calls = self._pending.pop(key, 0)  # another flush of this tenant may have sent them
            if not calls:
                continue
            hour = key[1]
            try:
                count = await asyncio.to_thread(self.counts.add, tenant_id, hour, calls)
            except AgentRuntimeError as exc:
                self._pending[key] = self._pending.get(key, 0) + calls  # the next flush sends them
                logger.warning("tool calls not counted", extra={"tenant_id": tenant_id, "error": exc.message})
                continue
            if count.tripped or count.calls <= self.floor:
                continue
            try:
                await self._evaluate(tenant_id, hour, count.calls)
            except AgentRuntimeError as exc:
                logger.warning(
                    "anomaly breaker not evaluated", extra={"tenant_id": tenant_id, "error": exc.message}
                )

    async def _evaluate(self, tenant_id: str, hour: datetime, calls: int) -> None:
        average = await self._average(tenant_id, hour)
        threshold = max(self.floor, self.factor * average)
        if calls <= threshold:
            return
        now = self._now()
        if not await asyncio.to_thread(self.counts.mark_tripped, tenant_id, hour, at=now):
            return  # another process has alerted for this hour
        tenant = self._tenants.get(tenant_id)
        switched_off = tenant is not None and tenant.breaker == "switch_off"
        if switched_off:
            switched_off = await self._switch_off(tenant_id, now, calls, threshold, average)
        trip = Trip(
            tenant_id=tenant_id,
            hour=hour_of(hour),
            tool_calls=calls,
            hourly_average=round(average, 2),
            threshold=threshold,
            switched_off=switched_off,
            at=iso(now),
        )
        await asyncio.to_thread(self.alert.send, trip)

    async def _average(self, tenant_id: str, hour: datetime) -> float:
        known = self._averages.get(tenant_id)
        if known is not None and known[0] == hour:
            return known[1]
        average = await asyncio.to_thread(self.counts.trailing_average, tenant_id, hour)
        self._averages[tenant_id] = (hour, average)
        return average

    async def _switch_off(
        self, tenant_id: str, now: datetime, calls: int, threshold: float, average: float
    ) -> bool:
        reason = (
            f"{calls} tool calls in the hour, over {threshold:g} ({self.factor:g} × the trailing "
            f"24-hour average of {average:.1f} an hour, floor {self.floor})"
        )
        try:
            await asyncio.to_thread(
                self.switches.flip,
                SwitchTarget(tenant_id=tenant_id),
                off=True,
                by=BREAKER,
                reason=reason,
                now=now,
            )
        except AgentRuntimeError as exc:
            logger.error(
                "anomaly breaker could not switch the tenant off",
                extra={"tenant_id": tenant_id, "error": exc.message},
            )
            return False
        self.kill_switch.forget(tenant_id)
        return True
