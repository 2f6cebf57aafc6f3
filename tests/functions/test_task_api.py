"""The task API and the agent catalogue, over HTTP, tenant-scoped like the rest."""

from __future__ import annotations

import httpx

from agent_core import OdooBinding, Runtime, Tenant, Usage
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.general import general
from agent_core.llm.scripted import call, say
from agent_core.tools import ToolRegistry, tool
from agent_core.tools.context import RunContext
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.stack import serve_stack


@tool(read_only=False)
async def archive_everything(ctx: RunContext) -> str:
    """Archive every record (a write, for the catalogue)."""
    return "archived"


WRITER = Agent(
    id="writer",
    title="Writer",
    description="Writes things.",
    prompt="Write.",
    tools=ToolRegistry([archive_everything]),
    default_max_steps=3,
)


def runtime_with(make_runtime: RuntimeFactory, model: ScriptedModel) -> Runtime:
    base = make_runtime(model)
    return Runtime(base.settings, models=base.models, agents=AgentRegistry([general, WRITER]))


def test_execute_runs_a_task_and_the_reads_page_by_offset(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    steps = [step for n in range(3) for step in (call("tenant_info", call_id=f"c{n}"), say(f"done {n}"))]
    runtime = runtime_with(make_runtime, ScriptedModel(steps))
    acme = tenants["acme"].headers
    with serve_stack(runtime) as base:
        ids = [
            httpx.post(
                base + "/api/v1/agent/execute", json={"task": f"task {n}"}, headers=acme, timeout=30
            ).json()["execution_id"]
            for n in range(3)
        ]
        first = httpx.get(base + "/api/v1/agent/executions", params={"limit": 2}, headers=acme).json()
        second = httpx.get(
            base + "/api/v1/agent/executions", params={"limit": 2, "offset": 2}, headers=acme
        ).json()
        one = httpx.get(f"{base}/api/v1/agent/execution/{ids[0]}", headers=acme).json()
        theirs = httpx.get(f"{base}/api/v1/agent/execution/{ids[0]}", headers=tenants["globex"].headers)
        globex_list = httpx.get(base + "/api/v1/agent/executions", headers=tenants["globex"].headers).json()

    assert [e["execution_id"] for e in first["executions"]] == [ids[2], ids[1]]
    assert first["has_more"] is True
    assert [e["execution_id"] for e in second["executions"]] == [ids[0]]
    assert second["has_more"] is False
    assert (one["result"], one["status"], [s["tool"] for s in one["steps"]]) == (
        "done 0",
        "completed",
        ["tenant_info"],
    )
    assert one["usage"] == Usage(input_tokens=20, output_tokens=6).model_dump()
    assert theirs.status_code == 404
    assert globex_list["executions"] == []


def test_execute_validates_like_chat(make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]) -> None:
    runtime = runtime_with(make_runtime, ScriptedModel([]))
    acme = tenants["acme"].headers
    with serve_stack(runtime) as base:
        missing = httpx.post(base + "/api/v1/agent/execute", json={}, headers=acme)
        unknown = httpx.post(
            base + "/api/v1/agent/execute", json={"task": "x", "agent_id": "nobody"}, headers=acme
        )
        disabled = httpx.post(
            base + "/api/v1/agent/execute", json={"task": "x", "agent_id": "writer"}, headers=acme
        )
        blank = httpx.post(base + "/api/v1/agent/execute", json={"task": " \n\t "}, headers=acme)
        keyless = httpx.post(base + "/api/v1/agent/execute", json={"task": "x"})
        offset = httpx.get(base + "/api/v1/agent/executions", params={"offset": 5000}, headers=acme)

    assert (missing.status_code, missing.json()["error"]["message"]) == (422, "body.task: Field required")
    assert (blank.status_code, blank.json()["error"]["message"]) == (
        422,
        "body.task: String should contain some text other than whitespace",
    )
    assert (unknown.status_code, disabled.status_code, keyless.status_code) == (404, 404, 401)
    assert offset.status_code == 422


def test_a_failed_task_reports_its_error(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = runtime_with(make_runtime, ScriptedModel([]))  # the model fails at once
    with serve_stack(runtime) as base:
        body = httpx.post(
            base + "/api/v1/agent/execute", json={"task": "x"}, headers=tenants["acme"].headers
        ).json()

    assert body["status"] == "failed"
    assert body["error"]["code"] == "model_error"


def test_agents_lists_only_what_the_tenant_enabled_with_read_and_write_tools(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    model = ScriptedModel([say("hello")])
    runtime = runtime_with(make_runtime, model)
    runtime.tenants.put(tenants["globex"].tenant.model_copy(update={"enabled_agents": ("writer", "general")}))
    with serve_stack(runtime) as base:
        acme = httpx.get(base + "/agents", headers=tenants["acme"].headers).json()
        globex = httpx.get(base + "/agents", headers=tenants["globex"].headers).json()
        chat = httpx.post(
            base + "/agents/writer/chat",
            json={"message": "hi"},
            headers=tenants["globex"].headers,
            timeout=30,
        )

    assert [a["id"] for a in acme["agents"]] == ["general"]
    writer, second = globex["agents"]
    assert (writer["id"], second["id"]) == ("writer", "general")
    assert writer["tools"] == [
        {
            "name": "archive_everything",
            "description": "Archive every record (a write, for the catalogue).",
            "access": "write",
        }
    ]
    assert writer["default_max_steps"] == 3
    assert chat.status_code == 200
    assert len(model.requests) == 1


def test_tenant_info_reports_bindings_without_secrets(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = runtime_with(make_runtime, ScriptedModel([]))
    runtime.tenants.put(
        Tenant(
            tenant_id="acme",
            name="Acme Corporation",
            plan="enterprise",
            odoo=OdooBinding(url="http://127.0.0.1:8069", db="acme"),
            agent_writes={"writer": "live"},
        )
    )
    runtime.secrets.put_tenant_secret("acme", {"odoo_api_key": "super-secret"})
    with serve_stack(runtime) as base:
        response = httpx.get(base + "/api/v1/tenant/info", headers=tenants["acme"].headers)

    assert response.json() == {
        "tenant_id": "acme",
        "name": "Acme Corporation",
        "plan": "enterprise",
        "caller_id": "acme-user",
        "scopes": ["chat", "chat:write", "audit:read"],
        "enabled_agents": ["general"],
        "writes": "shadow",
        "agent_writes": {"writer": "live"},
        "odoo_connected": True,
        "projects_connected": False,
    }
    assert "super-secret" not in response.text
