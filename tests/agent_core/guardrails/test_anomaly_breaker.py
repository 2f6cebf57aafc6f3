"""The anomaly breaker: counted per tenant and hour without holding up a turn, tripped by an hour
far above the tenant's usual, once, and never by a small tenant's busy hour."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import Runtime, Tenant
from agent_core.guardrails import ProposedCall
from agent_core.guardrails.anomaly_breaker import AnomalyBreaker
from agent_core.guardrails.breaker_alert import EVENT_SOURCE, BreakerAlert
from agent_core.store.tool_counts import ToolCallCounts
from agent_core.tools.tenant_info import tenant_info
from tests.conftest import RuntimeFactory
from tests.support.aws_calls import AwsCalls
from tests.support.context import run_context
from tests.support.eventbridge import DefaultBus

pytestmark = pytest.mark.anyio
HOUR = datetime(2026, 11, 29, 14, tzinfo=UTC)
ACME = Tenant(tenant_id="acme", name="Acme Corporation")


class Clocks:
    """The wall clock (for hours) and the monotonic one (for flushes), moved by the test."""

    def __init__(self) -> None:
        self.wall = HOUR + timedelta(minutes=10)
        self.seconds = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.seconds


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    """The test's own view of the table (its calls are made by clients no test counts)."""
    runtime = make_runtime()
    _ = runtime.dynamodb
    return runtime


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def bus() -> DefaultBus:
    return DefaultBus(EVENT_SOURCE)


def breaker(runtime: Runtime, clocks: Clocks, *, flush_seconds: float = 0, floor: int = 20) -> AnomalyBreaker:
    """A process's breaker on the runtime's table (a fresh runtime: clients made now are counted)."""
    process = Runtime(runtime.settings)
    return AnomalyBreaker(
        ToolCallCounts(process.table),
        process.switches,
        process.kill_switch,
        BreakerAlert(lambda: process.events, stage="test"),
        factor=10,
        floor=floor,
        flush_seconds=flush_seconds,
        now=clocks.now,
        clock=clocks.monotonic,
    )


def usual_day(runtime: Runtime, tenant_id: str, per_hour: int) -> None:
    """The tenant's 24 hours before ``HOUR``, ``per_hour`` tool calls each."""
    counts = ToolCallCounts(runtime.table)
    for back in range(1, 25):
        counts.add(tenant_id, HOUR - timedelta(hours=back), per_hour)


async def tool_calls(rule: AnomalyBreaker, tenant: Tenant, n: int) -> None:
    for _ in range(n):
        assert await rule.check(ProposedCall(tenant_info, {}, run_context(tenant))) is None
    await rule.settle()


def bucket(runtime: Runtime, tenant_id: str) -> int:
    return ToolCallCounts(runtime.table).add(tenant_id, HOUR, 0).calls


async def test_counts_reach_the_table_at_most_once_per_flush_window_and_none_is_lost(
    runtime: Runtime, clocks: Clocks
) -> None:
    calls = AwsCalls.attached()
    rule = breaker(runtime, clocks, flush_seconds=10)

    await tool_calls(rule, ACME, 1)
    clocks.seconds += 9
    await tool_calls(rule, ACME, 4)
    first = (calls.count("dynamodb.UpdateItem"), bucket(runtime, "acme"))
    clocks.seconds += 1
    await tool_calls(rule, ACME, 1)

    assert first == (1, 1)  # the first call was sent at once, the four after it waited
    assert calls.count("dynamodb.UpdateItem") == 2 and bucket(runtime, "acme") == 6


async def test_a_burst_far_above_the_usual_trips_once_with_an_event(
    runtime: Runtime, clocks: Clocks, bus: DefaultBus
) -> None:
    usual_day(runtime, "acme", per_hour=3)  # threshold: max(20, 10 × 3) = 30
    one, other = breaker(runtime, clocks), breaker(runtime, clocks)  # two processes

    await tool_calls(one, ACME, 20)
    await tool_calls(other, ACME, 10)
    quiet = bus.received()
    await tool_calls(other, ACME, 1)
    await tool_calls(one, ACME, 5)

    assert quiet == []  # 30 is not over 30
    [event] = bus.received()
    assert (event["source"], event["detail-type"]) == ("agent-runtime", "Anomaly breaker tripped")
    assert event["detail"] == {
        "tenant_id": "acme",
        "hour": "2026-11-29T14",
        "tool_calls": 31,
        "hourly_average": 3.0,
        "threshold": 30.0,
        "switched_off": False,
        "at": "2026-11-29T14:10:00.000Z",
        "stage": "test",
    }
    assert runtime.switches.for_tenant("acme").stopping_agent("general") is None  # alert only


async def test_a_small_tenants_busy_hour_stays_under_the_floor_and_reads_nothing_more(
    runtime: Runtime, clocks: Clocks, bus: DefaultBus
) -> None:
    calls = AwsCalls.attached()
    rule = breaker(runtime, clocks)  # no history at all: the floor alone decides

    await tool_calls(rule, ACME, 20)

    assert bus.received() == []
    assert set(calls.sent) == {"dynamodb.UpdateItem"}  # no Query for the average


async def test_a_busy_tenant_at_its_usual_pace_does_not_trip_and_reads_its_day_once(
    runtime: Runtime, clocks: Clocks, bus: DefaultBus
) -> None:
    usual_day(runtime, "acme", per_hour=40)
    calls = AwsCalls.attached()
    rule = breaker(runtime, clocks)

    await tool_calls(rule, ACME, 60)

    assert bus.received() == []
    assert calls.count("dynamodb.Query") == 1


async def test_a_tenant_set_to_switch_off_is_switched_off_by_the_breaker(
    runtime: Runtime, clocks: Clocks, bus: DefaultBus
) -> None:
    tenant = ACME.model_copy(update={"breaker": "switch_off"})
    rule = breaker(runtime, clocks)

    await tool_calls(rule, tenant, 21)

    [event] = bus.received()
    switch = runtime.switches.for_tenant("acme").stopping_agent("general")
    assert event["detail"]["switched_off"] is True
    assert switch is not None and (switch.tenant_id, switch.by, switch.at) == (
        "acme",
        "anomaly-breaker",
        "2026-11-29T14:10:00.000Z",
    )
    assert switch.reason.startswith("21 tool calls in the hour, over 20")
    assert await rule.kill_switch.before_model(run_context(tenant)) is not None  # this process knows


async def test_counts_that_could_not_be_sent_go_with_the_next_flush(runtime: Runtime, clocks: Clocks) -> None:
    calls = AwsCalls.attached()
    rule = breaker(runtime, clocks)

    def unreachable(name: str, params: dict[str, Any]) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls.delay = unreachable
    await tool_calls(rule, ACME, 3)
    calls.delay = None
    await tool_calls(rule, ACME, 1)

    assert bucket(runtime, "acme") == 4


async def test_a_slow_table_holds_up_the_end_of_a_turn_a_little_at_most(
    runtime: Runtime, clocks: Clocks
) -> None:
    calls = AwsCalls.attached()
    rule = breaker(runtime, clocks)
    held = threading.Event()

    waited_out: list[bool] = []  # a held call the code under test waited for ends by timing out

    def hold(name: str, params: dict[str, Any]) -> None:
        waited_out.append(not held.wait(timeout=5))

    calls.delay = hold

    try:
        await tool_calls(rule, ACME, 1)  # settles: returns while the count is still held
    finally:
        held.set()
    await rule.settle()

    assert waited_out == [False] and bucket(runtime, "acme") == 1
