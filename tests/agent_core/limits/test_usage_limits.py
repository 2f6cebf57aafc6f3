"""Each tenant's limits as one process and as several see them: exact within a process, and across
processes over by at most what the others counted since this one last read (moto, a set clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import Runtime, Tenant, Usage
from agent_core.errors import BudgetExhausted, RateLimited
from agent_core.limits import UsageLimits
from agent_core.tenancy import TenantLimits
from tests.conftest import RuntimeFactory
from tests.support.aws_calls import AwsCalls
from tests.support.clock import ManualClock

pytestmark = pytest.mark.anyio
START = datetime(2026, 11, 30, 12, 0, 0, 100_000, tzinfo=UTC)
ACME = Tenant(tenant_id="acme", name="Acme")

Instances = Callable[..., UsageLimits]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return make_runtime()


@pytest.fixture
def instance(runtime: Runtime, clock: ManualClock) -> Instances:
    """A process's limits on the shared table (each call: another process, its own cache)."""
    return lambda **kwargs: UsageLimits(runtime.counters, clock=clock, **kwargs)


def tenant(**limits: Any) -> Tenant:
    return ACME.model_copy(update={"limits": TenantLimits(**limits)})


def calls(limits: UsageLimits, tenant: Tenant, tool: str, n: int) -> list[int | None]:
    return [limits.tool_call(tenant, tool) for _ in range(n)]


async def test_a_tool_runs_its_limit_of_times_a_second_then_waits_for_the_next(
    instance: Instances, clock: ManualClock
) -> None:
    limits = instance()
    acme = tenant(tool_calls_per_second=3, tool_calls_per_second_by_tool={"search": 1})

    assert calls(limits, acme, "lookup", 5) == [None, None, None, 1, 1]
    assert calls(limits, acme, "search", 2) == [None, 1]  # its own limit, and its own count
    clock.advance(0.95)  # the next second
    assert calls(limits, acme, "lookup", 4) == [None, None, None, 1]


async def test_across_processes_a_limit_is_passed_by_at_most_what_the_others_did_since_the_last_read(
    instance: Instances, clock: ManualClock
) -> None:
    first, second = instance(refresh_seconds=0.2), instance(refresh_seconds=0.2)
    acme = tenant(tool_calls_per_second=5)
    assert calls(first, acme, "lookup", 2) == [None, None]
    await first.flush()
    await second.admit(acme, tools=["lookup"])  # its first turn of acme: it reads 2

    assert calls(first, acme, "lookup", 2) == [None, None]  # 4 in all; the second read 2
    assert calls(second, acme, "lookup", 4) == [None, None, None, 1]  # 7 in all: 5 + the first's 2
    await first.flush()
    await second.flush()

    clock.advance(0.3)  # same second, past the refresh: each decides on its last read, then reads
    assert calls(first, acme, "lookup", 1) == [None]  # it last read 2 (its own): 8 in all, 5 + 3
    await first.flush()
    await second.flush()
    assert calls(first, acme, "lookup", 1) == calls(second, acme, "lookup", 1) == [1]  # both read 8


async def test_a_process_reads_the_others_counts_again_once_a_refresh_has_passed(
    instance: Instances, clock: ManualClock
) -> None:
    first, second = instance(refresh_seconds=0.2), instance(refresh_seconds=0.2)
    acme = tenant(turns_per_minute=4)
    await second.admit(acme)  # it reads: none yet
    for _ in range(3):
        await first.admit(acme)
    await first.flush()
    await second.flush()  # within the refresh: nothing is read again

    clock.advance(0.3)
    await second.admit(acme)  # decided on its read (its own 1), and a read is asked for
    await second.flush()  # read: the first's 3 and its own 2

    with pytest.raises(RateLimited):
        await second.admit(acme)


async def test_turns_over_the_minute_are_refused_until_the_next_minute(
    instance: Instances, clock: ManualClock
) -> None:
    limits = instance()
    clock.set(START.replace(second=45, microsecond=0))
    acme = tenant(turns_per_minute=2)
    await limits.admit(acme)
    await limits.admit(acme)

    with pytest.raises(RateLimited) as refused:
        await limits.admit(acme)

    assert (refused.value.code, refused.value.retry_after) == ("rate_limited", 15)
    assert "2 turns a minute" in refused.value.message
    clock.advance(15)
    await limits.admit(acme)


async def test_a_spent_daily_budget_refuses_new_turns_until_midnight(
    instance: Instances, clock: ManualClock
) -> None:
    limits = instance()
    acme = tenant(daily_budget_usd=Decimal("1.00"))
    await limits.admit(acme)
    # $0.999 of Sonnet 5.5 output: under the budget, and the next turn may start.
    limits.spent("acme", "claude-sonnet-5-5", Usage(output_tokens=99_900))
    await limits.admit(acme)
    limits.spent("acme", "claude-sonnet-5-5", Usage(input_tokens=500))  # $0.001: spent

    with pytest.raises(BudgetExhausted) as refused:
        await limits.admit(acme)

    assert refused.value.code == "budget_exhausted" and refused.value.status == 429
    assert refused.value.retry_after == 12 * 3600  # 12:00:00.1 → midnight, rounded up
    assert "daily budget of $1.00 is spent ($1.00)" in refused.value.message
    clock.set(datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC))
    await limits.admit(acme)


async def test_the_monthly_budget_adds_up_the_days_of_the_month_across_processes(
    instance: Instances, clock: ManualClock
) -> None:
    earlier = instance()
    clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    earlier.spent("acme", "claude-opus-5-5", Usage(output_tokens=200_000))  # $4.00
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    earlier.spent("acme", "claude-opus-5-5", Usage(output_tokens=200_000))  # $4.00
    await earlier.flush()
    clock.set(datetime(2026, 11, 30, 22, 0, tzinfo=UTC))
    acme = tenant(daily_budget_usd=Decimal("5"), monthly_budget_usd=Decimal("10"))
    now = instance()  # a process started today: it reads the month on its first turn of acme
    await now.admit(acme)
    now.spent("acme", "claude-opus-5-5", Usage(output_tokens=100_000))  # $2.00 today: $10 this month

    with pytest.raises(BudgetExhausted) as refused:
        await now.admit(acme)

    assert "monthly budget of $10 is spent ($10.00)" in refused.value.message
    assert refused.value.retry_after == 2 * 3600  # until 2026-12-01 00:00 UTC
    assert now.spend("acme").today == 2 * 10**9 and now.spend("acme").month == 10 * 10**9


async def test_counts_survive_a_failing_table_and_are_written_once_it_is_back(
    runtime: Runtime, clock: ManualClock
) -> None:
    calls_made = AwsCalls.attached()
    limits = UsageLimits(runtime.counters, clock=clock, refresh_seconds=0.05)
    failing, tried = [True], []

    def unreachable(name: str, params: dict[str, Any]) -> None:
        if failing[0] and name == "dynamodb.UpdateItem":
            tried.append(name)
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls_made.delay = unreachable
    acme = tenant(tool_calls_per_second=100)
    await limits.admit(acme, tools=["lookup"])
    assert calls(limits, acme, "lookup", 7) == [None] * 7
    limits.spent("acme", "claude-sonnet-5-5", Usage(input_tokens=1000))
    await asyncio.sleep(0.3)  # the writes fail, and are tried again every refresh
    failing[0] = False
    await limits.flush()
    assert len(tried) >= 2

    again = UsageLimits(runtime.counters, clock=clock)
    await again.admit(acme, tools=["lookup"])
    assert again.spend("acme").today == 2_000_000  # 1,000 tokens at $2 / MTok
    assert calls(again, acme, "lookup", 94) == [None] * 93 + [1]  # 7 of 100 were counted
