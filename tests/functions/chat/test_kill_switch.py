"""The kill switch through the HTTP API: every level, every route that starts a turn, and a run
stopped in flight. The switches are flipped as an operator would, through the table, from another
set of stores (another process)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from agent_core import RunContext, RunFilter, Runtime, Settings, SingleModelProvider, Tenant, tool
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.general import general
from agent_core.clock import utc_now
from agent_core.llm.scripted import call, say
from agent_core.store.switches import SwitchTarget
from agent_core.tools.registry import ToolRegistry
from agent_core.tools.tenant_info import tenant_info
from tests.conftest import DemoTenant
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.emf import emf_metrics
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

DISABLED = {"error": {"code": "agents_disabled", "message": "agents temporarily unavailable"}}


def is_disabled(body: dict[str, Any]) -> bool:
    """The documented 503 body, with the request's id beside it."""
    error = dict(body["error"])
    return bool(error.pop("request_id")) and {"error": error} == DISABLED


@tool
async def close_books(ctx: RunContext) -> dict[str, str]:
    """Close the day's books."""
    # Meanwhile, an operator switches the tenant off (agentctl: its own stores, another process).
    operator = Runtime(ctx.services.settings).switches
    operator.flip(
        SwitchTarget(tenant_id=ctx.tenant.tenant_id), off=True, by="ops", reason="audit", now=utc_now()
    )
    return {"closed": "yes"}


BOOKS = Agent(
    id="books",
    title="Books",
    description="Keeps the books.",
    prompt="Keep the books.",
    tools=ToolRegistry([close_books, tenant_info]),
)


class Stack:
    """The three functions on loopback over one runtime; acme may use general and books."""

    def __init__(
        self, runtime: Runtime, base: str, tenants: dict[str, DemoTenant], model: ScriptedModel
    ) -> None:
        self.runtime = runtime
        self.base = base
        self.tenants = tenants
        self.model = model

    def flip(self, *, off: bool = True, **target: Any) -> None:
        operator = Runtime(self.runtime.settings).switches
        operator.flip(SwitchTarget(**target), off=off, by="ops", reason="incident 42", now=utc_now())

    def post(self, tenant: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(self.base + path, json=body, headers=self.tenants[tenant].headers, timeout=30)

    def stream(self, tenant: str, body: dict[str, Any], agent: str = "general") -> list[Frame]:
        response = self.post(tenant, f"/agents/{agent}/chat/stream", body)
        assert response.status_code == 200, response.text
        return parse(response.text)

    def refused_everywhere(self, tenant: str, agent: str = "general") -> bool:
        """Whether every route that starts a turn answers the 503, exactly, and stores nothing."""
        answers = [
            self.post(tenant, f"/agents/{agent}/chat/stream", {"message": "hello"}),
            self.post(tenant, f"/agents/{agent}/chat", {"message": "hello"}),
            self.post(tenant, "/api/v1/agent/execute", {"task": "hello", "agent_id": agent}),
        ]
        stored = self.runtime.runs.list(tenant, RunFilter(owner=None), limit=10, cursor=None).items
        return all(a.status_code == 503 and is_disabled(a.json()) for a in answers) and not stored


def run_stack(
    table: str, settings: Settings, tenants: dict[str, DemoTenant], steps: list[Any], cache_seconds: float = 0
) -> Iterator[Stack]:
    model = ScriptedModel(steps)
    runtime = Runtime(
        settings.model_copy(update={"switch_cache_seconds": cache_seconds}),
        models=SingleModelProvider(model),
        agents=AgentRegistry([general, BOOKS]),
    )
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("general", "books")))
    with serve_stack(runtime) as base:
        yield Stack(runtime, base, tenants, model)


@pytest.fixture
def stack(table: str, settings: Settings, tenants: dict[str, DemoTenant]) -> Iterator[Stack]:
    yield from run_stack(table, settings, tenants, [say("Hello.")] * 20)


def works(stack: Stack, tenant: str, agent: str = "general") -> bool:
    done = stack.stream(tenant, {"message": "hello"}, agent)[-1]
    return done.event == "done" and done.data["status"] == "completed"


def test_the_global_switch_turns_every_tenant_away_until_it_is_on_again(stack: Stack) -> None:
    stack.flip()

    assert stack.refused_everywhere("acme") and stack.refused_everywhere("globex")
    stack.flip(off=False)
    assert works(stack, "acme") and works(stack, "globex")


def test_a_tenants_switch_turns_that_tenant_away_and_no_other(stack: Stack) -> None:
    stack.flip(tenant_id="acme")

    assert stack.refused_everywhere("acme")
    assert works(stack, "globex")
    stack.flip(tenant_id="acme", off=False)
    assert works(stack, "acme")


def test_an_agents_switch_turns_away_that_agent_of_that_tenant_only(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.flip(tenant_id="acme", agent_id="books")
    capsys.readouterr()

    assert stack.refused_everywhere("acme", agent="books")
    held = emf_metrics(capsys.readouterr().out, metric="Rejections")
    assert held and all((line["kind"], line["Rejections"]) == ("switch", [1.0]) for line in held)
    assert works(stack, "acme", agent="general")


def test_a_tools_switch_refuses_the_tool_the_model_reads_why_and_the_turn_goes_on(
    table: str, settings: Settings, tenants: dict[str, DemoTenant]
) -> None:
    steps = [call("tenant_info", call_id="c1"), say("I cannot look that up right now.")]
    for stack in run_stack(table, settings, tenants, steps):
        stack.flip(tenant_id="acme", tool="tenant_info")
        received = stack.stream("acme", {"message": "who am I?"})
        audit = httpx.get(stack.base + "/agents/general/executions", headers=tenants["acme"].headers).json()
        told = stack.model.requests[1].messages[-1].content[0]

    assert [f.event for f in received] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert received[2].data["ok"] is False and received[-1].data["status"] == "completed"
    assert told.is_error and "tenant_info is switched off for now and did not run" in told.content  # type: ignore[union-attr]
    [entry] = audit["items"]
    assert (entry["tool"], entry["ok"], entry["rejected"]) == ("tenant_info", False, "switch")


def test_a_switch_flipped_while_a_run_is_in_flight_stops_it_at_the_next_model_call(
    table: str, settings: Settings, tenants: dict[str, DemoTenant]
) -> None:
    steps = [call("close_books", call_id="c1"), say("Back again.")]
    for stack in run_stack(table, settings, tenants, steps):
        received = stack.stream("acme", {"message": "close the books"}, agent="books")
        session_id = received[0].data["session_id"]
        stack.flip(tenant_id="acme", off=False)
        after = stack.stream("acme", {"message": "are you back?", "session_id": session_id}, agent="books")

    assert [f.event for f in received] == ["run_started", "tool_call", "tool_result", "error", "done"]
    assert received[3].data == {"type": "error", **DISABLED["error"]}
    assert (received[4].data["status"], received[4].data["stop_reason"]) == ("failed", "error")
    assert len(stack.model.requests) == 2  # the step after the tool was never asked; the next turn was
    run = stack.runtime.runs.get("acme", received[0].data["run_id"])
    assert run is not None and run.status == "failed" and run.error is not None
    assert run.error.code == "agents_disabled" and [s.tool for s in run.steps] == ["close_books"]
    assert after[-1].data["status"] == "completed" and after[1].data["text"] == "Back again."
    stored = stack.runtime.sessions.load("acme", session_id, datetime.now(UTC)).messages
    assert [m.text for m in stored if m.role == "user" and m.text] == ["close the books", "are you back?"]
    assert_session_consistent(stack.runtime, "acme", session_id)


def test_a_switch_known_to_be_off_sends_no_model_request(
    table: str, settings: Settings, tenants: dict[str, DemoTenant]
) -> None:
    for stack in run_stack(table, settings, tenants, [say("Hello.")] * 5, cache_seconds=30):
        stack.flip(tenant_id="acme")
        first = stack.post("acme", "/agents/general/chat", {"message": "hello"})
        second = stack.post("acme", "/agents/general/chat", {"message": "hello"})

    assert (first.status_code, second.status_code) == (503, 503)
    # The first read the switch while its model request was under way (then cancelled); the
    # second knew it from the cache and asked the model nothing.
    assert len(stack.model.requests) == 1
