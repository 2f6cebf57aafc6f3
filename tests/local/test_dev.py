"""`make dev`'s stack: moto, the table from template.yaml, demo tenants, every route on one port."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.erp import dataset, start_erp
from local.projects_api import token_for
from local.template import ROOT, api_routes, create_table_arguments
from tests.support.dev_stack import LocalStack, agentctl, local_stack
from tests.support.erp import TODAY, bank_totals, seeded
from tests.support.sse import parse


def test_the_gateway_routes_every_api_event_of_the_template() -> None:
    routes = {(r.method, r.path, r.function, r.streaming) for r in api_routes()}
    assert ("POST", "/agents/{agent_id}/chat/stream", "chat", True) in routes
    assert ("POST", "/agents/{agent_id}/chat", "chat", True) in routes
    assert ("GET", "/agents/{agent_id}/executions", "executions", False) in routes
    assert ("GET", "/executions/{run_id}", "executions", False) in routes
    assert ("GET", "/healthz", "health", False) in routes
    assert ("GET", "/readyz", "health", False) in routes


def test_the_local_table_is_the_templates_table() -> None:
    arguments = create_table_arguments("t")
    assert arguments["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in arguments["KeySchema"]] == ["PK", "SK"]
    assert [i["IndexName"] for i in arguments["GlobalSecondaryIndexes"]] == ["GSI1"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """`python -m local.dev` as a newcomer runs it (through `make dev`), on free ports."""
    with local_stack(tmp_path_factory.mktemp("dev")) as running:
        assert "curl -N" in running.banner
        yield running


@pytest.fixture(scope="module")
def dev_stack(stack: LocalStack) -> tuple[str, dict[str, str]]:
    return stack.base_url, stack.keys


def test_dev_keys_are_written_for_both_demo_tenants(dev_stack: tuple[str, dict[str, str]]) -> None:
    _, keys = dev_stack
    assert set(keys) == {"acme", "globex"}
    assert all(key.startswith("ak_") for key in keys.values())


def test_the_quick_start_curl_streams_a_tool_turn_and_it_is_audited(
    dev_stack: tuple[str, dict[str, str]],
) -> None:
    base, keys = dev_stack
    acme = {"X-API-Key": keys["acme"]}
    # Exactly what the README's curl sends: JSON labelled as a form by `curl -d`.
    response = httpx.post(
        base + "/agents/general/chat/stream",
        content=b'{"message":"who am I? use tenant_info"}',
        headers={**acme, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    frames = parse(response.text)
    kinds = [f.event for f in frames]
    assert kinds[:3] == ["run_started", "tool_call", "tool_result"]
    assert set(kinds[3:-1]) == {"text_delta"} and kinds[-1] == "done"
    assert frames[1].data["tool"] == "tenant_info"
    answer = "".join(f.data["text"] for f in frames if f.event == "text_delta")
    assert "Acme Corporation" in answer and "local" in answer.lower()

    audit = httpx.get(base + "/agents/general/executions", headers=acme).json()
    assert [item["tool"] for item in audit["items"]] == ["tenant_info"]
    globex = httpx.get(base + "/agents/general/executions", headers={"X-API-Key": keys["globex"]}).json()
    assert globex["items"] == []


def test_the_banners_agentctl_command_runs_as_printed(stack: LocalStack) -> None:
    line = next(line for line in stack.banner.splitlines() if line.strip().startswith("agentctl:"))
    command = shlex.split(line.split(":", 1)[1])
    assert command == ["./agentctl", "--local", "tenant", "list"]

    listed = agentctl(*command[1:], AGENTCTL_STACK_FILE=str(stack.stack_file))
    assert listed.returncode == 0, listed.stderr
    assert [row.split()[0] for row in listed.stdout.splitlines()[1:]] == ["acme", "globex"]


def test_readiness_reports_the_table_and_the_local_model(dev_stack: tuple[str, dict[str, str]]) -> None:
    base, _ = dev_stack
    ready = httpx.get(base + "/readyz").json()
    assert ready == {
        "status": "ready",
        "checks": {"table": {"ok": True, "detail": "ACTIVE"}, "model": {"ok": True, "detail": "local model"}},
    }


def test_each_tenant_asking_finance_for_its_cash_position_gets_its_own_numbers(
    dev_stack: tuple[str, dict[str, str]],
) -> None:
    base, keys = dev_stack
    answers = {}
    for tenant in ("acme", "globex"):
        reply = httpx.post(
            base + "/agents/finance/chat",
            json={"message": "what is our cash position?"},
            headers={"X-API-Key": keys[tenant]},
            timeout=30,
        ).json()
        assert reply["status"] == "completed"
        assert [call["tool"] for call in reply["tool_calls"]] == ["get_bank_balance"]
        answers[tenant] = reply["reply"]

    for tenant, other in (("acme", "globex"), ("globex", "acme")):
        for (company, currency), total in bank_totals(seeded(tenant)).items():
            assert f"company: {company}, currency: {currency}, total: {total}" in answers[tenant]
        for total in bank_totals(seeded(other)).values():
            assert f"total: {total}" not in answers[tenant]


def test_the_agent_catalogue_shows_every_agent_and_its_writes(dev_stack: tuple[str, dict[str, str]]) -> None:
    base, keys = dev_stack
    agents = httpx.get(base + "/agents", headers={"X-API-Key": keys["acme"]}).json()["agents"]

    assert [a["id"] for a in agents] == ["general", "finance", "warehouse", "marketing", "sales", "projects"]
    projects = next(a for a in agents if a["id"] == "projects")
    assert {t["name"]: t["access"] for t in projects["tools"]} == {
        "list_projects": "read",
        "list_tasks": "read",
        "create_task": "write",
        "assign_user": "write",
    }


def test_rebinding_a_tenants_odoo_with_agentctl_makes_its_agents_read_the_other_server(
    stack: LocalStack,
) -> None:
    acme = {"X-API-Key": stack.keys["acme"]}
    question = {"message": "what is our cash position?"}
    original = stack.stack["erp_url"]
    [expected] = bank_totals(dataset("acme", 2, TODAY)).values()

    def bind_acme_odoo(url: str) -> None:
        done = agentctl(
            "--stack-file", str(stack.stack_file), "--local", "tenant", "update", "acme", "--odoo-url", url
        )
        assert done.returncode == 0, done.stderr

    with start_erp(seed=2) as other:  # the same logins, other books
        bind_acme_odoo(other.url)
        try:
            reply = httpx.post(
                stack.base_url + "/agents/finance/chat", json=question, headers=acme, timeout=30
            ).json()
        finally:
            bind_acme_odoo(original)

    assert reply["status"] == "completed"
    assert f"total: {expected}" in reply["reply"]
    assert other.calls["account.move.line.read_group"] + other.calls["account.move.line.search_read"] > 0


def readme_example(route: str) -> tuple[str, list[tuple[str, dict[str, Any] | None]]]:
    """The README's curl command for ``route``, and the frames it shows (their data, where it is JSON)."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(
        r"```sh\n(curl -N [^`]*?" + re.escape(route) + r")\n```\n\n```text\n(.*?)```", readme, re.S
    )
    assert found, f"the README shows no curl for {route}"
    shown: list[tuple[str, dict[str, Any] | None]] = []
    for line in found[2].splitlines():
        if line.startswith("event: "):
            shown.append((line.removeprefix("event: "), None))
        elif line.startswith("data: "):
            with contextlib.suppress(ValueError):  # abbreviated: {…}
                shown[-1] = (shown[-1][0], json.loads(line.removeprefix("data: ")))
    return found[1], shown


def test_the_readme_shadow_mode_example_shows_would_execute_and_changes_nothing(stack: LocalStack) -> None:
    command, shown = readme_example("/agents/projects/chat/stream")
    acme_projects = {"Authorization": f"Bearer {token_for('acme')}"}
    tasks = f"{stack.stack['projects_url']}/api/projects/p-102/tasks"
    before = httpx.get(tasks, headers=acme_projects).json()
    assert shutil.which("curl"), "the README's example runs curl"

    # Exactly the README's command, with acme's key and this stack's port.
    ran = subprocess.run(
        ["bash", "-c", command.replace("http://127.0.0.1:3000", stack.base_url)],
        env={**os.environ, "KEY": stack.keys["acme"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    frames = parse(ran.stdout)

    # The same frames as the README shows (its text deltas abbreviated after the first one).
    kinds = [f.event for f in frames]
    first_text = kinds.index("text_delta")
    assert set(kinds[first_text:-1]) == {"text_delta"}
    assert [*kinds[: first_text + 1], "done"] == [kind for kind, _ in shown]
    for frame, (_, data) in zip(frames, shown, strict=False):
        for name in ("tool", "input", "ok", "agent_id", "model", "status"):
            if data is not None and name in data:
                assert frame.data[name] == data[name], (frame, name)
    would = next(f for f in frames if f.event == "would_execute")
    assert would.data["tool"] == "create_task" and would.data["input"]["project_id"] == "p-102"
    answer = "".join(f.data["text"] for f in frames if f.event == "text_delta")
    assert "Local offline model" in answer and "SHADOW MODE" in answer

    # Nothing was created or assigned: shadow mode.
    assert httpx.get(tasks, headers=acme_projects).json() == before
    audit = httpx.get(
        stack.base_url + "/agents/projects/executions", headers={"X-API-Key": stack.keys["acme"]}
    )
    assert [(e["tool"], e["mode"]) for e in audit.json()["items"]][:2] == [
        ("create_task", "shadow"),
        ("list_projects", "live"),
    ]


def test_agentctl_local_export_writes_the_days_audit_entries_to_the_local_bucket(
    stack: LocalStack,
) -> None:
    base, keys = stack.base_url, stack.keys
    acme = {"X-API-Key": keys["acme"]}
    turn = httpx.post(
        base + "/agents/general/chat", json={"message": "who am I? use tenant_info"}, headers=acme, timeout=30
    )
    assert turn.status_code == 200, turn.text
    newest = httpx.get(base + "/agents/general/executions", headers=acme).json()["items"][0]
    day = newest["created_at"][:10]

    exported = agentctl(
        "--local",
        "export",
        "--tenant",
        "acme",
        "--date",
        day,
        "--json",
        AGENTCTL_STACK_FILE=str(stack.stack_file),
    )

    assert exported.returncode == 0, exported.stderr
    [acme_day] = json.loads(exported.stdout)["tenants"]
    assert (acme_day["tenant"], acme_day["date"], acme_day["skipped"]) == ("acme", day, False)
    assert acme_day["entries"] >= 1
