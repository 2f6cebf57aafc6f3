"""``agentctl switch``: operators flip the kill switches, and see who flipped what, when and why."""

from __future__ import annotations

import getpass
import json
import re
from pathlib import Path

import pytest

from agent_core import Runtime, Tenant
from tests.agentctl.conftest import Agentctl, one_error_line
from tests.conftest import RuntimeFactory

MOTO_CALLER = "arn:aws:sts::123456789012:user/moto"  # what moto's STS says the credentials are


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    """What the functions read (caches off); acme and globex exist."""
    runtime = make_runtime(tenant_cache_seconds=0, switch_cache_seconds=0)
    for tenant_id in ("acme", "globex"):
        runtime.tenants.put(Tenant(tenant_id=tenant_id, name=tenant_id.title()))
    return runtime


def test_an_agent_switched_off_is_obeyed_and_listed_with_who_when_and_why(
    ctl: Agentctl, runtime: Runtime
) -> None:
    off = ctl("switch", "off", "--tenant", "acme", "--agent", "finance", "--reason", "Odoo outage, INC-42")

    assert off.code == 0, off.err
    assert "Switched off: agent finance, tenant acme (by arn:aws:sts::123456789012:user/moto at 20" in off.out
    assert "obey within their switch cache" in off.out
    switches = runtime.switches.for_tenant("acme")
    assert switches.stopping_agent("finance") is not None and switches.stopping_agent("general") is None

    listed = ctl("switch", "list", "--tenant", "acme")
    assert listed.out.splitlines()[0].split() == ["SWITCH", "STATE", "BY", "WHEN", "REASON"]
    assert "agent finance, tenant acme  off    arn:aws:sts::123456789012:user/moto" in listed.out
    assert listed.out.rstrip().endswith("1 off.") and "Odoo outage, INC-42" in listed.out


def test_turned_on_again_it_says_who_did_and_the_history_keeps_both(ctl: Agentctl, runtime: Runtime) -> None:
    assert ctl("switch", "off", "--tenant", "acme", "--reason", "runaway agent", "--by", "alice").code == 0
    on = ctl("switch", "on", "--tenant", "acme", "--by", "bob", "--reason", "fixed")

    assert on.code == 0 and "Switched on: tenant acme (by bob" in on.out
    assert runtime.switches.for_tenant("acme").stopping_agent("general") is None
    history = ctl("switch", "history", "--tenant", "acme", "--json").data
    assert [(h["off"], h["by"], h["reason"]) for h in history] == [
        (False, "bob", "fixed"),
        (True, "alice", "runaway agent"),
    ]
    assert "No flips of the global switches yet." in ctl("switch", "history", "--global").out


def test_every_tenant_is_switched_off_only_when_the_operator_says_global(
    ctl: Agentctl, runtime: Runtime
) -> None:
    nothing_said = ctl("switch", "off", "--reason", "incident")
    assert "one of the arguments --global --tenant is required" in nothing_said.err
    assert nothing_said.code == 2
    assert ctl("switch", "off", "--global", "--tenant", "acme", "--reason", "x").code == 2
    assert runtime.switches.listed([None, "acme"]) == []

    off = ctl("switch", "off", "--global", "--reason", "model provider incident")
    assert off.code == 0 and "Switched off: every tenant" in off.out
    assert runtime.switches.for_tenant("globex").stopping_agent("general") is not None


def test_a_switch_is_not_turned_off_without_a_reason(ctl: Agentctl, runtime: Runtime) -> None:
    assert ctl("switch", "off", "--tenant", "acme").code == 2
    assert "--reason cannot be empty" in one_error_line(
        ctl("switch", "off", "--tenant", "acme", "--reason", " "), 2
    )
    assert runtime.switches.listed(["acme"]) == []


def test_a_tool_can_be_switched_off_for_everyone_or_for_one_agent(ctl: Agentctl, runtime: Runtime) -> None:
    everywhere = ctl("switch", "off", "--global", "--tool", "web_search", "--reason", "search provider down")
    one_agent = ctl(
        "switch",
        "off",
        "--tenant",
        "acme",
        "--agent",
        "projects",
        "--tool",
        "create_task",
        "--reason",
        "dup tasks",
    )
    unknown = ctl("switch", "off", "--tenant", "acme", "--tool", "launch_rockets", "--reason", "just in case")

    assert (everywhere.code, one_agent.code, unknown.code) == (0, 0, 0)
    assert "warning: no agent of this runtime has a tool launch_rockets" in unknown.err
    switches = runtime.switches.for_tenant("globex")
    assert switches.stopping_tool("general", "web_search") is not None
    acme = runtime.switches.for_tenant("acme")
    assert acme.stopping_tool("projects", "create_task") is not None
    assert acme.stopping_tool("general", "create_task") is None


def test_list_without_a_tenant_shows_the_global_switches_and_every_tenants(
    ctl: Agentctl, runtime: Runtime
) -> None:
    assert "all on" in ctl("switch", "list").out
    ctl("switch", "off", "--global", "--tool", "web_search", "--reason", "search down")
    ctl("switch", "off", "--tenant", "globex", "--reason", "unpaid")
    ctl("switch", "on", "--tenant", "acme", "--agent", "sales")

    listed = ctl("switch", "list", "--json").data

    assert [(s["tenant_id"], s["agent_id"], s["tool"], s["off"]) for s in listed] == [
        (None, None, "web_search", True),
        ("acme", "sales", None, False),
        ("globex", None, None, True),
    ]


def test_unknown_tenants_and_bad_ids_are_one_line(ctl: Agentctl, runtime: Runtime) -> None:
    assert "no tenant initech" in one_error_line(
        ctl("switch", "off", "--tenant", "initech", "--reason", "x"), 1
    )
    assert "agent id must be 1-64 characters" in one_error_line(
        ctl("switch", "off", "--tenant", "acme", "--agent", "a#b", "--reason", "x"), 2
    )


def test_on_the_local_stack_the_operator_is_the_os_user(
    run: Agentctl, table: str, runtime: Runtime, tmp_path: Path
) -> None:
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "stack.json").write_text(json.dumps({"region": "us-east-1", "table_name": table}))

    off = run("--local", "switch", "off", "--tenant", "acme", "--reason", "trying it", "--json", cwd=tmp_path)

    assert off.code == 0, off.err
    assert off.data["by"] == getpass.getuser() != MOTO_CALLER


def test_a_tenant_chooses_what_the_breaker_does(ctl: Agentctl, runtime: Runtime) -> None:
    updated = ctl("tenant", "update", "acme", "--breaker", "switch_off")

    assert updated.code == 0, updated.err
    assert re.search(r"^breaker +switch_off$", updated.out, re.M), updated.out
    tenant = runtime.tenants.get("acme")
    assert tenant is not None and tenant.breaker == "switch_off"
    assert ctl("tenant", "update", "acme", "--breaker", "explode").code == 2
