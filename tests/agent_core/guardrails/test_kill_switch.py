"""The kill switch rule: what it refuses and why, and how fresh what it acts on is."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import Caller, Runtime, StorageUnavailable, Tenant
from agent_core.guardrails import ProposedCall, Refuse, TurnOpening
from agent_core.guardrails.kill_switch import DISABLED, KillSwitch
from agent_core.store.switches import SwitchTarget
from agent_core.tools.tenant_info import tenant_info
from tests.conftest import RuntimeFactory
from tests.support.aws_calls import AwsCalls
from tests.support.context import run_context

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
ACME = Tenant(tenant_id="acme", name="Acme Corporation")


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return make_runtime()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rule(runtime: Runtime, clock: Clock) -> KillSwitch:
    return KillSwitch(runtime.switches, cache_seconds=5, clock=clock)


def flip(runtime: Runtime, *, off: bool = True, by: str = "alice", **target: Any) -> None:
    runtime.switches.flip(SwitchTarget(**target), off=off, by=by, reason="incident 42", now=NOW)


def opening(agent_id: str = "general") -> TurnOpening:
    return TurnOpening(
        caller=Caller(tenant_id="acme", caller_id="u", key_id="k"), tenant=ACME, agent_id=agent_id
    )


async def test_a_switched_off_tool_is_refused_with_a_reason_the_model_can_act_on(
    runtime: Runtime, rule: KillSwitch
) -> None:
    flip(runtime, tenant_id="acme", tool="tenant_info")

    decision = await rule.check(ProposedCall(tenant_info, {}, run_context(ACME)))

    assert isinstance(decision, Refuse) and decision.kind == "switch"
    assert decision.reason.startswith(
        "tenant_info is switched off for now and did not run. Do not call it again"
    )
    assert "incident 42" not in decision.reason  # the operator's reason stays with the operators
    assert await rule.before_model(run_context(ACME)) is None  # the run goes on without the tool


async def test_a_switched_off_agent_stops_before_the_model_and_refuses_its_tools(
    runtime: Runtime, rule: KillSwitch
) -> None:
    flip(runtime, tenant_id="acme", agent_id="general")

    assert await rule.before_model(run_context(ACME)) == Refuse(DISABLED, "switch")
    assert await rule.before_model(run_context(ACME, agent_id="finance")) is None
    refused = await rule.check(ProposedCall(tenant_info, {}, run_context(ACME)))
    assert isinstance(refused, Refuse) and refused.reason.startswith("tenant_info did not run")


async def test_a_switch_the_breaker_turned_off_is_a_breaker_rejection(
    runtime: Runtime, rule: KillSwitch
) -> None:
    flip(runtime, tenant_id="acme", by="anomaly-breaker")

    assert await rule.before_model(run_context(ACME)) == Refuse(DISABLED, "breaker")


async def test_before_a_turn_it_decides_from_the_cache_alone_until_it_may_read(
    runtime: Runtime, rule: KillSwitch
) -> None:
    flip(runtime, tenant_id="acme")
    calls = AwsCalls.attached()
    rule.store = Runtime(runtime.settings).switches  # clients made from now on are counted

    assert await rule.before_turn(opening(), read=False) is None  # nothing known: no call made
    assert calls.sent == []
    assert await rule.before_turn(opening(), read=True) == Refuse(DISABLED, "switch")
    assert await rule.before_turn(opening(), read=False) == Refuse(DISABLED, "switch")
    assert calls.sent == ["dynamodb.BatchGetItem"]


async def test_a_flip_is_obeyed_once_the_cache_time_has_passed_and_read_once_per_tenant_until_then(
    runtime: Runtime, rule: KillSwitch, clock: Clock
) -> None:
    calls = AwsCalls.attached()
    rule.store = Runtime(runtime.settings).switches
    ctx = run_context(ACME)
    assert await rule.before_model(ctx) is None
    flip(runtime, tenant_id="acme")

    clock.now += 4.9
    still_cached = await rule.before_model(ctx)
    clock.now += 0.2
    obeyed = await rule.before_model(ctx)

    assert still_cached is None and obeyed == Refuse(DISABLED, "switch")
    assert calls.count("dynamodb.BatchGetItem") == 2


async def acme_switched_off_and_read(runtime: Runtime, rule: KillSwitch, clock: Clock) -> AwsCalls:
    """acme switched off, read by ``rule`` a minute ago (due for a read); the calls from now on."""
    flip(runtime, tenant_id="acme")
    calls = AwsCalls.attached()
    rule.store = Runtime(runtime.settings).switches
    assert await rule.before_model(run_context(ACME)) is not None
    clock.now += 60
    return calls


async def test_when_the_table_cannot_be_read_the_last_switches_read_stay_in_force(
    runtime: Runtime, rule: KillSwitch, clock: Clock
) -> None:
    calls = await acme_switched_off_and_read(runtime, rule, clock)

    def unreachable(name: str, params: dict[str, Any]) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls.delay = unreachable

    assert await rule.before_model(run_context(ACME)) == Refuse(DISABLED, "switch")
    with pytest.raises(StorageUnavailable):  # never read: nothing to go on
        await rule.before_model(run_context(Tenant(tenant_id="globex", name="Globex")))


async def test_a_slow_table_does_not_hold_up_a_run_that_has_switches_to_go_on(
    runtime: Runtime, rule: KillSwitch, clock: Clock
) -> None:
    calls = await acme_switched_off_and_read(runtime, rule, clock)
    held = threading.Event()
    waited_out: list[bool] = []  # a held call the code under test waited for ends by timing out
    read_ended = threading.Event()

    def hold(name: str, params: dict[str, Any]) -> None:
        waited_out.append(not held.wait(timeout=5))
        read_ended.set()

    calls.delay = hold

    try:
        decided = await rule.before_model(run_context(ACME))  # while the read is still held
    finally:
        held.set()

    assert decided == Refuse(DISABLED, "switch")
    assert read_ended.wait(timeout=5) and waited_out == [False]  # it was still held when the run went on
