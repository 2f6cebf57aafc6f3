"""Kill switches in the table: four levels, who flipped each and when, a log, one read per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent_core import InvalidId, Runtime
from agent_core.store.switches import Switches, SwitchTarget
from tests.conftest import RuntimeFactory
from tests.support.aws_calls import AwsCalls

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return make_runtime()


def turn_off(runtime: Runtime, target: SwitchTarget, *, by: str = "alice", at: datetime = NOW) -> None:
    runtime.switches.flip(target, off=True, by=by, reason="incident 42", now=at)


def test_the_global_switch_lives_under_the_platform_and_a_tenants_in_its_own_partition(
    runtime: Runtime,
) -> None:
    turn_off(runtime, SwitchTarget())
    turn_off(runtime, SwitchTarget(tenant_id="acme", agent_id="finance"))

    items = runtime.dynamodb.scan(TableName=runtime.settings.table_name)["Items"]
    partitions = sorted({item["PK"]["S"] for item in items})

    assert partitions == ["PLATFORM", "TENANT#acme"]
    assert sorted(item["SK"]["S"].split("#")[0] for item in items) == [
        "SWITCHES",
        "SWITCHES",
        "SWITCHLOG",
        "SWITCHLOG",
    ]


def test_the_switches_of_a_tenant_are_the_global_ones_and_its_own_in_one_read(runtime: Runtime) -> None:
    turn_off(runtime, SwitchTarget(tool="web_search"))
    turn_off(runtime, SwitchTarget(tenant_id="acme", agent_id="finance"))
    turn_off(runtime, SwitchTarget(tenant_id="globex"))
    calls = AwsCalls.attached()
    fresh = Runtime(runtime.settings)

    switches = fresh.switches.for_tenant("acme")

    assert calls.sent == ["dynamodb.BatchGetItem"]
    assert [(s.tenant_id, s.agent_id, s.tool) for s in switches.entries] == [
        (None, None, "web_search"),
        ("acme", "finance", None),
    ]
    assert fresh.switches.for_tenant("initech") == Switches(switches.entries[:1])


def test_a_switch_says_who_flipped_it_when_and_why_and_turning_it_on_keeps_that(runtime: Runtime) -> None:
    target = SwitchTarget(tenant_id="acme")
    turn_off(runtime, target)
    runtime.switches.flip(target, off=False, by="bob", reason="fixed", now=NOW + timedelta(hours=1))

    (switch,) = runtime.switches.listed(["acme"])
    history = runtime.switches.log("acme", limit=10)

    assert (switch.off, switch.by, switch.at, switch.reason) == (
        False,
        "bob",
        "2026-11-29T10:30:00.000Z",
        "fixed",
    )
    assert [(s.off, s.by, s.reason) for s in history] == [
        (False, "bob", "fixed"),
        (True, "alice", "incident 42"),
    ]
    assert runtime.switches.log(None, limit=10) == []


@pytest.mark.parametrize(
    ("target", "agent_stopped", "tool_stopped"),
    [
        (SwitchTarget(), True, True),
        (SwitchTarget(tenant_id="acme"), True, True),
        (SwitchTarget(tenant_id="acme", agent_id="projects"), True, True),
        (SwitchTarget(tenant_id="acme", agent_id="finance"), False, False),
        (SwitchTarget(tenant_id="acme", tool="create_task"), False, True),
        (SwitchTarget(agent_id="projects", tool="create_task"), False, True),
        (SwitchTarget(tenant_id="acme", agent_id="finance", tool="create_task"), False, False),
        (SwitchTarget(tenant_id="acme", tool="list_projects"), False, False),
        (SwitchTarget(tenant_id="globex"), False, False),
    ],
)
def test_what_each_switch_stops(
    runtime: Runtime, target: SwitchTarget, agent_stopped: bool, tool_stopped: bool
) -> None:
    turn_off(runtime, target)

    switches = runtime.switches.for_tenant("acme")

    assert (switches.stopping_agent("projects") is not None) == agent_stopped
    assert (switches.stopping_tool("projects", "create_task") is not None) == tool_stopped


def test_a_switch_turned_on_again_stops_nothing(runtime: Runtime) -> None:
    target = SwitchTarget(tenant_id="acme")
    turn_off(runtime, target)
    runtime.switches.flip(target, off=False, by="bob", reason="", now=NOW)

    assert runtime.switches.for_tenant("acme").stopping_agent("general") is None


def test_the_global_switch_is_named_first_when_both_stop_an_agent(runtime: Runtime) -> None:
    turn_off(runtime, SwitchTarget(tenant_id="acme"), by="tenant-ops")
    turn_off(runtime, SwitchTarget(), by="platform-ops")

    stopping = runtime.switches.for_tenant("acme").stopping_agent("general")

    assert stopping is not None and stopping.by == "platform-ops"


def test_ids_that_cannot_enter_a_key_are_refused(runtime: Runtime) -> None:
    with pytest.raises(ValueError, match="tenant_id must be 1-64 characters"):
        SwitchTarget(tenant_id="acme#SWITCHES")
    with pytest.raises(InvalidId):
        runtime.switches.for_tenant("TENANT#globex")


def test_targets_describe_themselves() -> None:
    assert SwitchTarget().describe() == "every tenant"
    assert SwitchTarget(tenant_id="acme", agent_id="projects", tool="create_task").describe() == (
        "tool create_task, agent projects, tenant acme"
    )
