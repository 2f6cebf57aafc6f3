"""The project assistant against the demo project API on loopback: its tools for each tenant, every
way they fail, and its writes through the chat API in shadow and in live mode."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from agent_core import AgentRegistry, Runtime, Settings, SingleModelProvider, ToolError, ToolServices
from agent_core.agents.general import general
from agent_core.agents.projects import projects_agent
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ToolResultBlock
from agent_core.tools.projects import assign_user, create_task, list_projects, list_tasks
from agent_core.tools.projects.client import MAYBE_WRITTEN
from local.projects_api import ProjectsApiServer, start_projects_api, tokens
from tests.conftest import DemoTenant
from tests.fakes.scripted_model import ScriptedModel
from tests.support.context import tool_services
from tests.support.garbling import (
    DEEPLY_NESTED,
    NOT_JSON,
    Garble,
    GarblingProxy,
    with_fields_retyped,
    without_a_field,
)
from tests.support.projects import bind, projects_tenant, run_context
from tests.support.server import serve
from tests.support.sockets import closed_url, silent_url
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

NEW_TASK: dict[str, object] = {
    "project_id": "p-101",
    "title": "Order spare seals for press 4",
    "due_date": "2030-03-15",
    "assignee_email": "tom.becker@acme.example",
}
ASSIGNMENT: dict[str, object] = {"task_id": "t-1005", "user_email": "lena.kowalski@acme.example"}
WRITES = {"create_task": NEW_TASK, "assign_user": ASSIGNMENT}


@pytest.fixture
def api() -> Iterator[ProjectsApiServer]:
    server = start_projects_api()
    yield server
    server.stop()


@pytest.fixture
async def services() -> AsyncIterator[ToolServices]:
    services = tool_services(Settings(http_timeout_seconds=5))
    yield services
    await services.http.aclose()


async def run(tool: Any, tenant_id: str, api: ProjectsApiServer, services: ToolServices, **args: Any) -> Any:
    ctx = run_context(
        projects_tenant(tenant_id, api.url), {"projects_token": api.token_for(tenant_id)}, services
    )
    return json.loads(await tool.invoke(ctx, args))


# The tools, straight against the demo API.


@pytest.mark.anyio
async def test_each_tenant_sees_only_its_own_projects(api: ProjectsApiServer, services: ToolServices) -> None:
    acme = await run(list_projects, "acme", api, services)
    globex = await run(list_projects, "globex", api, services)

    assert [p["id"] for p in acme] == ["p-101", "p-102", "p-103", "p-104"]
    assert [p["id"] for p in globex] == ["p-201", "p-202", "p-203", "p-204"]
    assert acme[0] == {
        "id": "p-101",
        "name": "Line 3 retrofit: servo presses",
        "status": "active",
        "owner": "Dana Whitfield <dana.whitfield@acme.example>",
        "members": [
            "Dana Whitfield <dana.whitfield@acme.example>",
            "Marco Reyes <marco.reyes@acme.example>",
            "Tom Becker <tom.becker@acme.example>",
        ],
    }
    assert "globex.example" not in json.dumps(acme) and "acme.example" not in json.dumps(globex)


@pytest.mark.anyio
async def test_projects_filter_by_status_and_list_their_tasks(
    api: ProjectsApiServer, services: ToolServices
) -> None:
    on_hold = await run(list_projects, "globex", api, services, status="on_hold")
    tasks = await run(list_tasks, "globex", api, services, project_id="p-202")

    assert [(p["id"], p["status"]) for p in on_hold] == [("p-203", "on_hold")]
    assert tasks == [
        {
            "id": "t-2003",
            "project_id": "p-202",
            "title": "Pull 12-month lane volumes",
            "status": "done",
            "assignee": "Ruth Okafor <ruth.okafor@globex.example>",
            "due_date": "2026-10-31",
            "created_at": "2026-10-05T09:00:00Z",
        },
        {
            "id": "t-2004",
            "project_id": "p-202",
            "title": "Shortlist regional LTL carriers",
            "status": "todo",
            "due_date": "2027-01-10",
            "created_at": "2026-10-05T09:00:00Z",
        },
    ]


@pytest.mark.anyio
async def test_a_write_repeated_with_its_idempotency_key_makes_its_change_once(
    api: ProjectsApiServer, services: ToolServices
) -> None:
    tenant = projects_tenant("acme", api.url)
    ctx = run_context(tenant, {"projects_token": api.token_for("acme")}, services)
    call = dataclasses.replace(ctx, call_id="toolu_1")
    before = len(api.state.tasks("acme"))

    first = json.loads(await create_task.invoke(call, dict(NEW_TASK)))
    again = json.loads(await create_task.invoke(call, dict(NEW_TASK)))
    other_call = json.loads(
        await create_task.invoke(dataclasses.replace(ctx, call_id="toolu_2"), dict(NEW_TASK))
    )

    assert call.idempotency_key == "run_1.toolu_1"
    assert again == first and other_call["id"] != first["id"]
    assert len(api.state.tasks("acme")) == before + 2
    with pytest.raises(ToolError, match="Idempotency-Key was sent with another request"):
        await create_task.invoke(call, {**NEW_TASK, "title": "Something else"})


@pytest.mark.anyio
async def test_create_task_and_assign_user_change_the_callers_workspace_only(
    api: ProjectsApiServer, services: ToolServices
) -> None:
    globex_before = api.state.tasks("globex")

    created = await run(create_task, "acme", api, services, **NEW_TASK, description="Viton, 40 mm.")
    assigned = await run(assign_user, "acme", api, services, **ASSIGNMENT)

    stored = {task.id: task for task in api.state.tasks("acme")}
    new = stored[created["id"]]
    assert (new.project_id, new.title, str(new.due_date), new.description) == (
        "p-101",
        "Order spare seals for press 4",
        "2030-03-15",
        "Viton, 40 mm.",
    )
    assert new.assignee is not None and new.assignee.email == "tom.becker@acme.example"
    assert created["assignee"] == "Tom Becker <tom.becker@acme.example>" and created["status"] == "todo"
    assert assigned["assignee"] == "Lena Kowalski <lena.kowalski@acme.example>"
    assert stored["t-1005"].assignee is not None and stored["t-1005"].assignee.id == "u-105"
    assert api.state.tasks("globex") == globex_before


@pytest.mark.anyio
async def test_another_tenants_project_or_task_is_simply_not_there(
    api: ProjectsApiServer, services: ToolServices
) -> None:
    globex_before = api.state.tasks("globex")

    with pytest.raises(ToolError) as no_project:
        await run(create_task, "acme", api, services, project_id="p-201", title="Sneaky task")
    with pytest.raises(ToolError) as no_tasks:
        await run(list_tasks, "acme", api, services, project_id="p-201")
    with pytest.raises(ToolError) as no_task:
        await run(
            assign_user, "acme", api, services, task_id="t-2004", user_email="dana.whitfield@acme.example"
        )

    assert no_project.value.message == "no project p-201; use list_projects"
    assert no_tasks.value.message == "no project p-201; use list_projects"
    assert no_task.value.message == "no task t-2004; use list_tasks"
    assert api.state.tasks("globex") == globex_before


ACME_TOKEN = tokens()["acme"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("binding", "secret", "tool", "args", "message"),
    [
        pytest.param(
            "none",
            {"projects_token": ACME_TOKEN},
            list_projects,
            {},
            "no project API is bound to this workspace; an operator can bind one with "
            "`agentctl tenant update acme --projects-url …`",
            id="no-api-bound",
        ),
        pytest.param(
            "api",
            {"odoo_api_key": "x"},
            list_projects,
            {},
            "this workspace's secret has no projects_token for its project API; "
            "an operator can add it with `agentctl secret set acme`",
            id="no-token",
        ),
        pytest.param(
            "api",
            {"projects_token": "pat_acme_revoked_0000"},
            create_task,
            {"project_id": "p-101", "title": "x"},
            "the project API refused this workspace's token (HTTP 401); "
            "an operator can renew projects_token with `agentctl secret set acme`",
            id="token-refused",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            create_task,
            {"project_id": "p-9", "title": "x"},
            "no project p-9; use list_projects",
            id="unknown-project",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            assign_user,
            {"task_id": "t-9", "user_email": "tom.becker@acme.example"},
            "no task t-9; use list_tasks",
            id="unknown-task",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            create_task,
            {"project_id": "p-101", "title": "x", "due_date": "2001-01-01"},
            "the project API refused the request: due_date 2001-01-01 is in the past",
            id="past-due-date",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            assign_user,
            {"task_id": "t-1004", "user_email": "tom.becker@acme.example"},
            "the project API refused the request: "
            "Tom Becker (tom.becker@acme.example) is not a member of project p-102",
            id="not-a-member",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            create_task,
            {"project_id": "p-101", "title": "x", "assignee_email": "ruth.okafor@globex.example"},
            "no one with email ruth.okafor@globex.example in this workspace; "
            "list_projects shows each project's members",
            id="unknown-assignee",
        ),
        pytest.param(
            "closed",
            {"projects_token": ACME_TOKEN},
            list_projects,
            {},
            "the project API at 127.0.0.1:{port} is unreachable; try again later, "
            "or ask an operator to check the workspace's projects URL",
            id="unreachable",
        ),
        pytest.param(
            "silent",
            {"projects_token": ACME_TOKEN},
            list_projects,
            {},
            "the project API at 127.0.0.1:{port} did not answer within 0.2 s; try again later",
            id="timeout",
        ),
        pytest.param(
            "api",
            {"projects_token": ACME_TOKEN},
            list_tasks,
            {"project_id": "../users"},
            "invalid arguments for list_tasks: project_id: "
            "String should match pattern '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'",
            id="id-outside-a-path-segment",
        ),
    ],
)
async def test_every_failure_is_a_readable_tool_error_without_the_token(
    api: ProjectsApiServer,
    binding: str,
    secret: dict[str, str],
    tool: Any,
    args: dict[str, Any],
    message: str,
) -> None:
    services = tool_services(Settings(http_timeout_seconds=0.2))
    with silent_url() as silent:
        url = {"none": None, "api": api.url, "closed": closed_url(), "silent": silent}[binding]
        ctx = run_context(projects_tenant("acme", url), secret, services)
        with pytest.raises(ToolError) as raised:
            await tool.invoke(ctx, args)
    await services.http.aclose()

    port = httpx.URL(url).port if url else None
    assert raised.value.message == message.replace("{port}", str(port))
    for token in {ACME_TOKEN, *secret.values()}:
        assert token not in raised.value.message


SHAPE = "the project API sent a response in a shape this tool cannot read"
GARBLES: dict[str, tuple[Garble, str]] = {
    "a number": (lambda _: 42, SHAPE),
    "null": (lambda _: b"null", SHAPE),
    "the answer inside another object": (lambda body: {"data": body}, SHAPE),
    "records missing a field": (without_a_field, SHAPE),
    "fields of another type": (with_fields_retyped, SHAPE),
    "not JSON": (lambda _: NOT_JSON, "the project API sent a response that is not JSON"),
    "JSON nested too deep": (lambda _: DEEPLY_NESTED, "the project API sent a response that is not JSON"),
}
REFUSED = "the project API refused the request: "
# Each call, and what the model reads when its answer is garbled (None: what the garble says).
CALLS: list[tuple[Any, dict[str, Any], str | None]] = [
    (list_projects, {}, None),
    (list_tasks, {"project_id": "p-101"}, None),
    (create_task, NEW_TASK, None),
    (assign_user, ASSIGNMENT, None),
    (assign_user, {"task_id": "t-1004", "user_email": "tom.becker@acme.example"}, REFUSED),  # a 422
]


@pytest.mark.anyio
@pytest.mark.parametrize("case", GARBLES)
async def test_a_malformed_answer_to_any_call_of_any_tool_is_a_readable_tool_error(
    api: ProjectsApiServer, services: ToolServices, case: str
) -> None:
    # Given a project API that garbles the n-th answer of a tool's call, for every n the call reaches
    garble, expected = GARBLES[case]
    proxy = GarblingProxy(api.url)
    problems = []
    with serve(proxy.app()) as url:
        ctx = run_context(projects_tenant("acme", url), {"projects_token": ACME_TOKEN}, services)
        for tool, args, refused in CALLS:
            proxy.aim(None)
            with contextlib.suppress(ToolError):
                await tool.invoke(ctx, args)
            calls = proxy.calls
            for at in range(1, calls + 1):
                proxy.aim(garble, at)
                # When the tool runs
                try:
                    await tool.invoke(ctx, args)
                except ToolError as exc:
                    outcome: str | None = exc.message
                except Exception as exc:  # what this test hunts for
                    problems.append(f"{tool.name}, answer {at}: {type(exc).__name__}: {exc}"[:300])
                    continue
                else:
                    outcome = None
                # Then the model reads what went wrong, and never the token
                if not proxy.garbled or outcome is None or not outcome.startswith(refused or expected):
                    problems.append(f"{tool.name}, answer {at}: {outcome!r}")
                elif ACME_TOKEN in outcome:
                    problems.append(f"{tool.name}, answer {at} leaks the token")
                # and, when the garbled answer is to an accepted change, that it may have been made
                elif (MAYBE_WRITTEN in outcome) != (not tool.read_only and not refused and at == calls):
                    problems.append(f"{tool.name}, answer {at}: {outcome!r}")
    assert problems == []


def test_no_tool_takes_a_tenant_and_only_the_writes_are_writes() -> None:
    schemas = {t.name: (t.read_only, json.dumps(t.spec.input_schema)) for t in projects_agent.tools}

    assert {name: read_only for name, (read_only, _) in schemas.items()} == {
        "list_projects": True,
        "list_tasks": True,
        "create_task": False,
        "assign_user": False,
    }
    assert not any("tenant" in schema for _, schema in schemas.values())


def test_the_demo_api_answers_errors_as_json(api: ProjectsApiServer) -> None:
    acme = {"Authorization": f"Bearer {api.token_for('acme')}"}

    anonymous = httpx.get(f"{api.url}/api/projects")
    missing = httpx.get(f"{api.url}/api/projects/p-201", headers=acme)
    invalid = httpx.post(f"{api.url}/api/projects/p-101/tasks", headers=acme, json={"title": ""})
    filtered = httpx.get(f"{api.url}/api/projects", params={"status": "paused"}, headers=acme)

    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "Bearer")
    assert anonymous.json() == {
        "error": {"code": "unauthorized", "message": "missing or invalid bearer token"}
    }
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (422, "invalid_request")
    assert invalid.json()["error"]["message"].startswith("title: ")
    assert filtered.status_code == 422


# Through the chat API: shadow and live writes.


def runtime_with(settings: Settings, model: ScriptedModel, **overrides: object) -> Runtime:
    return Runtime(
        settings.model_copy(update=overrides),
        models=SingleModelProvider(model),
        agents=AgentRegistry([projects_agent, general]),
    )


def chat(base: str, tenant: DemoTenant, message: str) -> list[Frame]:
    response = httpx.post(
        f"{base}/agents/projects/chat/stream", json={"message": message}, headers=tenant.headers, timeout=30
    )
    assert response.status_code == 200, response.text
    return parse(response.text)


def audit(base: str, tenant: DemoTenant) -> list[dict[str, Any]]:
    response = httpx.get(f"{base}/agents/projects/executions", headers=tenant.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def tool_result_sent_back(model: ScriptedModel) -> ToolResultBlock:
    """The tool result the model read in its second request of the turn."""
    block = model.requests[1].messages[-1].content[0]
    assert isinstance(block, ToolResultBlock)
    return block


SHADOW_BINDINGS = [
    pytest.param({}, id="default"),
    pytest.param({"agent_writes": {"general": "live"}}, id="another-agent-live"),
    pytest.param({"writes": "live", "agent_writes": {"projects": "shadow"}}, id="this-agent-shadow"),
]
LIVE_BINDINGS = [
    pytest.param({"writes": "live"}, id="tenant-live"),
    pytest.param({"agent_writes": {"projects": "live"}}, id="only-this-agent-live"),
]


@pytest.mark.parametrize("binding", SHADOW_BINDINGS)
@pytest.mark.parametrize("write", ["create_task", "assign_user"])
def test_in_shadow_mode_a_write_is_announced_not_run(
    settings: Settings,
    tenants: dict[str, DemoTenant],
    api: ProjectsApiServer,
    write: str,
    binding: dict[str, Any],
) -> None:
    model = ScriptedModel([call(write, WRITES[write], call_id="c1"), say("Nothing was changed.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "acme", **binding)
    before = api.state.tasks("acme")

    with serve_stack(runtime) as base:
        frames = chat(base, tenants["acme"], "do it")
        [entry] = audit(base, tenants["acme"])

    assert [f.event for f in frames] == [
        "run_started",
        "tool_call",
        "would_execute",
        "tool_result",
        "text_delta",
        "done",
    ]
    assert frames[2].data == {"type": "would_execute", "call_id": "c1", "tool": write, "input": WRITES[write]}
    assert frames[3].data["ok"] is True
    assert api.state.tasks("acme") == before
    sent = tool_result_sent_back(model)
    assert sent.content.startswith(f"SHADOW MODE: {write} did not run and nothing was changed.")
    assert not sent.is_error
    assert (entry["tool"], entry["mode"], entry["ok"], entry["arguments"]) == (
        write,
        "shadow",
        True,
        WRITES[write],
    )


NOT_A_MEMBER = (
    "{email} is not a member of project {project}, so cannot be given its tasks; "
    "list_projects shows its members"
)


# A write naming what is not there for acme, and the error it would meet.
WOULD_FAIL: dict[str, tuple[str, dict[str, object], str]] = {
    "unknown-project": (
        "create_task",
        {"project_id": "p-9", "title": "x"},
        "no project p-9; use list_projects",
    ),
    "another-tenants-project": (
        "create_task",
        {"project_id": "p-201", "title": "x"},
        "no project p-201; use list_projects",
    ),
    "assignee-not-a-member": (
        "create_task",
        {"project_id": "p-101", "title": "x", "assignee_email": "lena.kowalski@acme.example"},
        NOT_A_MEMBER.format(email="lena.kowalski@acme.example", project="p-101"),
    ),
    "assignee-of-another-tenant": (
        "create_task",
        {"project_id": "p-101", "title": "x", "assignee_email": "ruth.okafor@globex.example"},
        NOT_A_MEMBER.format(email="ruth.okafor@globex.example", project="p-101"),
    ),
    "unknown-task": (
        "assign_user",
        {"task_id": "t-9", "user_email": "tom.becker@acme.example"},
        "no task t-9; use list_tasks",
    ),
    "another-tenants-task": (
        "assign_user",
        {"task_id": "t-2004", "user_email": "dana.whitfield@acme.example"},
        "no task t-2004; use list_tasks",
    ),
    "not-a-member": (
        "assign_user",
        {"task_id": "t-1004", "user_email": "tom.becker@acme.example"},
        NOT_A_MEMBER.format(email="tom.becker@acme.example", project="p-102"),
    ),
}


@pytest.mark.parametrize("case", WOULD_FAIL)
def test_in_shadow_mode_a_write_that_would_fail_gets_its_error_not_would_execute(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer, case: str
) -> None:
    # Given a workspace in shadow mode, and a write that names what is not there for it
    write, arguments, message = WOULD_FAIL[case]
    model = ScriptedModel([call(write, arguments, call_id="c1"), say("That would not work.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "acme")
    before = {tenant: api.state.tasks(tenant) for tenant in ("acme", "globex")}

    # When the model asks for it
    with serve_stack(runtime) as base:
        frames = chat(base, tenants["acme"], "do it")
        [entry] = audit(base, tenants["acme"])

    # Then it reads the error the call would have met, nothing says it would have run, nothing changed
    assert [f.event for f in frames] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert frames[2].data["ok"] is False
    sent = tool_result_sent_back(model)
    assert (sent.is_error, sent.content) == (True, message)
    assert (entry["mode"], entry["ok"], entry["error"]) == ("shadow", False, message)
    assert {tenant: api.state.tasks(tenant) for tenant in ("acme", "globex")} == before


@pytest.mark.parametrize("binding", LIVE_BINDINGS)
def test_in_live_mode_create_task_creates_the_task(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer, binding: dict[str, Any]
) -> None:
    model = ScriptedModel([call("create_task", NEW_TASK, call_id="c1"), say("Created.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "acme", **binding)
    before = {task.id for task in api.state.tasks("acme")}

    with serve_stack(runtime) as base:
        frames = chat(base, tenants["acme"], "add a task to order spare seals, for Tom, due 15 March 2030")
        [entry] = audit(base, tenants["acme"])

    assert [f.event for f in frames] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    [new] = [task for task in api.state.tasks("acme") if task.id not in before]
    assert (new.project_id, new.title, str(new.due_date)) == ("p-101", NEW_TASK["title"], "2030-03-15")
    assert new.assignee is not None and new.assignee.email == "tom.becker@acme.example"
    assert json.loads(tool_result_sent_back(model).content)["id"] == new.id
    assert (entry["tool"], entry["mode"], entry["ok"]) == ("create_task", "live", True)


@pytest.mark.parametrize("binding", LIVE_BINDINGS)
def test_in_live_mode_assign_user_assigns_the_task(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer, binding: dict[str, Any]
) -> None:
    model = ScriptedModel([call("assign_user", ASSIGNMENT, call_id="c1"), say("Assigned.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "acme", **binding)

    with serve_stack(runtime) as base:
        frames = chat(base, tenants["acme"], "give the calibration task to Lena")
        [entry] = audit(base, tenants["acme"])

    assert "would_execute" not in [f.event for f in frames]
    [task] = [task for task in api.state.tasks("acme") if task.id == "t-1005"]
    assert task.assignee is not None and task.assignee.email == "lena.kowalski@acme.example"
    assert "Lena Kowalski" in tool_result_sent_back(model).content
    assert (entry["tool"], entry["mode"], entry["ok"]) == ("assign_user", "live", True)


def test_a_read_tool_runs_as_usual_in_shadow_mode(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer
) -> None:
    model = ScriptedModel([call("list_projects", {"status": "active"}, call_id="c1"), say("Two projects.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "globex")

    with serve_stack(runtime) as base:
        frames = chat(base, tenants["globex"], "which projects are active?")
        [entry] = audit(base, tenants["globex"])

    assert [f.event for f in frames] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    projects = json.loads(tool_result_sent_back(model).content)
    assert [p["name"] for p in projects] == ["Reno DC: wave picking rollout", "Carrier rate renegotiation"]
    assert (entry["tool"], entry["mode"], entry["ok"]) == ("list_projects", "live", True)


def test_a_write_the_api_could_not_take_is_refused_even_in_shadow_mode(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer
) -> None:
    bad: dict[str, object] = {"project_id": "p-101", "title": ""}
    model = ScriptedModel([call("create_task", bad, call_id="c1"), say("I need a title.")])
    runtime = runtime_with(settings, model)
    bind(runtime, api, "acme")

    with serve_stack(runtime) as base:
        frames = chat(base, tenants["acme"], "add a task")
        [entry] = audit(base, tenants["acme"])

    assert [f.event for f in frames] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert frames[2].data["ok"] is False
    assert tool_result_sent_back(model).is_error
    assert (entry["mode"], entry["ok"]) == ("shadow", False)


def test_turning_live_writes_on_takes_effect_on_the_next_turn(
    settings: Settings, tenants: dict[str, DemoTenant], api: ProjectsApiServer
) -> None:
    model = ScriptedModel(
        [call("create_task", NEW_TASK), say("Would have."), call("create_task", NEW_TASK), say("Done.")]
    )
    runtime = runtime_with(settings, model, tenant_cache_seconds=0)
    bind(runtime, api, "acme")
    count = len(api.state.tasks("acme"))

    with serve_stack(runtime) as base:
        first = chat(base, tenants["acme"], "add the task")
        bind(runtime, api, "acme", agent_writes={"projects": "live"})
        second = chat(base, tenants["acme"], "add the task")
        entries = audit(base, tenants["acme"])

    assert "would_execute" in [f.event for f in first] and "would_execute" not in [f.event for f in second]
    assert len(api.state.tasks("acme")) == count + 1
    assert [e["mode"] for e in entries] == ["live", "shadow"]  # newest first
