"""Each tenant's limits, decided without waiting for AWS on a warm turn.

- turns per minute: a new turn over the limit is a 429 ``rate_limited`` before it starts;
- budgets (USD per UTC day and month, priced by :mod:`agent_core.llm.prices`): a new turn once
  one is spent is a 429 ``budget_exhausted`` before the model is asked anything;
- calls per second of each tool: a call over the limit does not run, and the model is told when
  to try again (:mod:`agent_core.guardrails.rate_limit`).

Every count is a counter in the table, raised by every instance; each decision is taken on this
process's view of it (:class:`CounterCache`): its own counts exactly, the other instances' as of
its last read, at most ``refresh_seconds`` old while the tenant is busy. So a limit holds exactly
within one process and can be passed, across processes, by what the others counted since this one
last read (docs/decisions.md, "Limits across instances").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial

from agent_core import keys
from agent_core.errors import BudgetExhausted, RateLimited
from agent_core.limits.cache import Counter, CounterCache
from agent_core.limits.metered import Metered
from agent_core.limits.windows import Moment
from agent_core.llm.model import Model
from agent_core.llm.prices import NANOS_PER_USD, cost_nanos
from agent_core.llm.types import Usage
from agent_core.store.counters import CounterStore
from agent_core.tenancy import Tenant

WATCH_SECONDS = 60.0  # a tool asked about this recently has its counter read with the tenant's
SETTLED_AFTER = timedelta(minutes=10)  # a day's spend is read once this long after the day ended
_KEPT = {"calls": timedelta(hours=1), "turns": timedelta(days=1), "spend": timedelta(days=400)}


@dataclass(frozen=True)
class Spend:
    """What a tenant's model requests have cost today and this month (UTC), in nano-USD."""

    today: int
    month: int


class UsageLimits:
    def __init__(
        self, store: CounterStore, *, refresh_seconds: float = 1.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._clock = clock
        self._cache = CounterCache(store, reader=self._counters, refresh_seconds=refresh_seconds, clock=clock)
        self._lock = threading.Lock()
        self._watched: dict[str, dict[str, float]] = {}  # tenant → tool → when last asked about

    async def admit(self, tenant: Tenant, *, tools: Iterable[str] = ()) -> None:
        """Count a new turn of ``tenant``, or refuse it: :class:`RateLimited` over its turns per
        minute, :class:`BudgetExhausted` once its daily or monthly budget is spent. The counters
        of ``tools`` (those the turn may call) are read with the tenant's from now on."""
        tenant_id = tenant.tenant_id
        self._watch(tenant_id, tools)
        await self._cache.ensure(tenant_id)  # a read only the first time (or after a long pause)
        now = self._now()
        pk = keys.turns_pk(tenant_id, now.at)
        started, limit = self._cache.value(tenant_id, pk).get("n", 0), tenant.limits.turns_per_minute
        try:
            self._refuse_over_budget(tenant, now)
            if started >= limit:
                wait = now.seconds_until(now.next_minute)
                raise RateLimited(
                    f"this tenant may start {limit} turns a minute and has started {started}; "
                    f"retry in {wait} s",
                    retry_after=wait,
                )
        except RateLimited:
            self._cache.sync_soon()  # no model request follows: the counters may be read now
            raise
        # Counted now; written once the turn's model request is out (see ``metered``).
        self._cache.count(tenant_id, pk, {"n": 1}, expires_at=_expiry(now, "turns"))

    def tool_call(self, tenant: Tenant, tool: str) -> int | None:
        """Count a call of ``tool`` now and return None, or the seconds to wait if it would be
        over the tenant's calls per second of that tool (then it is not counted)."""
        tenant_id = tenant.tenant_id
        self._watch(tenant_id, (tool,))
        self._cache.want(tenant_id)
        now = self._now()
        pk = keys.tool_rate_pk(tenant_id, tool, now.at)
        try:
            if self._cache.value(tenant_id, pk).get("n", 0) >= tenant.limits.tool_rate(tool):
                return now.seconds_until(now.next_second)
            self._cache.count(tenant_id, pk, {"n": 1}, expires_at=_expiry(now, "calls"))
            return None
        finally:
            self._cache.sync_soon()  # the step's model request is over: nothing to hold up

    def metered(self, model: Model, tenant_id: str) -> Model:
        """``model``, each of its requests counted in the tenant's spend as it ends; the counters
        are synced from the moment its first answer starts (never before the request is out)."""
        return Metered(model, on_answer=self._cache.sync_soon, on_usage=partial(self.spent, tenant_id))

    def spent(self, tenant_id: str, model: str, usage: Usage) -> None:
        """Count one model request's cost and tokens in the tenant's spend of today."""
        now = self._now()
        counts = {
            "usd_nanos": cost_nanos(model, usage),
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_write_tokens": usage.cache_creation_input_tokens,
            "cache_read_tokens": usage.cache_read_input_tokens,
        }
        pk = keys.spend_pk(tenant_id, now.at)
        self._cache.count(tenant_id, pk, counts, expires_at=_expiry(now, "spend"))
        self._cache.sync_soon()

    def spend(self, tenant_id: str) -> Spend:
        """The tenant's spend as this process sees it."""
        days = self._now().days_of_month()
        costs = [
            self._cache.value(tenant_id, keys.spend_pk(tenant_id, day)).get("usd_nanos", 0) for day in days
        ]
        return Spend(today=costs[-1], month=sum(costs))

    async def flush(self) -> None:
        """Write everything counted so far, and return once it is (at shutdown, say: bound the
        wait with ``asyncio.timeout``, since a failing table is retried every refresh)."""
        await self._cache.idle()

    def _refuse_over_budget(self, tenant: Tenant, now: Moment) -> None:
        limits = tenant.limits
        spend = self.spend(tenant.tenant_id)
        # The month first: when both are spent, the later of the two ends the wait.
        for budget, spent, period, ends in (
            (limits.monthly_budget_usd, spend.month, "monthly", now.next_month),
            (limits.daily_budget_usd, spend.today, "daily", now.next_day),
        ):
            if budget is not None and spent >= budget * NANOS_PER_USD:
                wait = now.seconds_until(ends)
                raise BudgetExhausted(
                    f"this tenant's {period} budget of ${budget} is spent (${_usd(spent)}); "
                    f"new turns can start at {ends:%Y-%m-%d %H:%M} UTC, in {wait} s",
                    retry_after=wait,
                )

    def _watch(self, tenant_id: str, tools: Iterable[str]) -> None:
        asked = self._clock()
        with self._lock:
            watched = self._watched.setdefault(tenant_id, {})
            for tool in tools:
                watched[tool] = asked

    def _counters(self, tenant_id: str, epoch: float) -> list[Counter]:
        """What to read of a tenant at ``epoch``: this minute's turns, this month's spend (a past
        day once, after it has settled), and this second's calls of the tools in use."""
        now = Moment.of(epoch)
        with self._lock:
            recent = self._watched.get(tenant_id, {})
            for tool in [tool for tool, asked in recent.items() if epoch - asked > WATCH_SECONDS]:
                del recent[tool]
            tools = sorted(recent)
        settled = now.at - timedelta(days=1) - SETTLED_AFTER
        return [
            Counter(keys.turns_pk(tenant_id, now.at)),
            *(Counter(keys.spend_pk(tenant_id, day), settled=day <= settled) for day in now.days_of_month()),
            *(Counter(keys.tool_rate_pk(tenant_id, tool, now.at)) for tool in tools),
        ]

    def _now(self) -> Moment:
        return Moment.of(self._clock())


def _expiry(now: Moment, kind: str) -> int:
    return int((now.at + _KEPT[kind]).timestamp())


def _usd(nanos: int) -> str:
    return f"{Decimal(nanos) / NANOS_PER_USD:.2f}"
