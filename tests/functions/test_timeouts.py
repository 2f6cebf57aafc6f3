"""Timeouts over HTTP: a slow tool is cancelled and the model reads that it timed out; a turn past its
deadline ends with ``error`` then ``done``, stored as far as it got; no agent outgrows the platform's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
import pytest

from agent_core import Runtime, Tenant
from agent_core.agents import Agent, AgentRegistry
from agent_core.llm.history import INTERRUPTED
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ToolResultBlock
from agent_core.tools import RunContext, ToolRegistry, tool
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

CANCELLED: list[str] = []


async def _wait(name: str, seconds: float) -> str:
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        CANCELLED.append(name)
        raise
    return "finally"


@tool(timeout_seconds=0.3)
async def slow_report(ctx: RunContext) -> str:
    """Build a report that takes long (it names its own timeout: 0.3 s)."""
    return await _wait("slow_report", 5)


@tool
async def slow_lookup(ctx: RunContext) -> str:
    """Look something up slowly (its timeout is its agent's)."""
    return await _wait("slow_lookup", 5)


def clerk(*, turn_timeout_seconds: float | None = None, tool_timeout_seconds: float | None = None) -> Agent:
    return Agent(
        id="clerk",
        title="Clerk",
        description="Slow at everything.",
        prompt="Look things up.",
        tools=ToolRegistry([slow_report, slow_lookup]),
        turn_timeout_seconds=turn_timeout_seconds,
        tool_timeout_seconds=tool_timeout_seconds,
    )


@pytest.fixture(autouse=True)
def _nothing_cancelled_yet() -> None:
    CANCELLED.clear()


@contextmanager
def stack(
    make_runtime: RuntimeFactory, model: ScriptedModel, agent: Agent, **settings: object
) -> Iterator[tuple[str, Runtime]]:
    base = make_runtime(model, **settings)
    runtime = Runtime(base.settings, models=base.models, agents=AgentRegistry([agent]))
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=(agent.id,)))
    with serve_stack(runtime) as url:
        yield url, runtime


def turn(base: str, acme: DemoTenant, body: dict[str, object]) -> list[Frame]:
    response = httpx.post(base + "/agents/clerk/chat/stream", json=body, headers=acme.headers, timeout=30)
    assert response.status_code == 200, response.text
    return parse(response.text)


@pytest.mark.parametrize(
    ("slow_tool", "agent"),
    [
        pytest.param("slow_report", clerk(tool_timeout_seconds=10), id="the-tools-own-timeout"),
        pytest.param("slow_lookup", clerk(tool_timeout_seconds=0.3), id="the-agents-timeout"),
    ],
)
def test_a_slow_tool_is_cancelled_and_the_model_reads_that_it_timed_out(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant], slow_tool: str, agent: Agent
) -> None:
    model = ScriptedModel([call(slow_tool, call_id="t1"), say("The system is slow today.")])
    with stack(make_runtime, model, agent) as (base, runtime):
        frames = turn(base, tenants["acme"], {"message": "the report, please"})
        audit = httpx.get(base + "/agents/clerk/executions", headers=tenants["acme"].headers).json()
        assert_session_consistent(runtime, "acme", frames[0].data["session_id"])

    assert [f.event for f in frames] == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert frames[2].data["ok"] is False and frames[2].data["latency_ms"] < 2000
    assert frames[-1].data["status"] == "completed"
    told = model.requests[1].messages[-1].content[0]
    assert isinstance(told, ToolResultBlock) and told.is_error
    assert told.content.startswith(f"tool_timeout: {slow_tool} did not answer within 0.3 s and was stopped.")
    assert [slow_tool] == CANCELLED
    (entry,) = audit["items"]
    assert (entry["tool"], entry["ok"], entry["rejected"]) == (slow_tool, False, "timeout")
    assert entry["error"] == told.content


def test_a_turn_past_its_deadline_ends_with_an_error_then_done_and_is_stored_as_far_as_it_got(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    model = ScriptedModel(
        [call("slow_lookup", call_id="t1", text="Let me look that up."), say("Here it is, next time.")]
    )
    acme = tenants["acme"]
    with stack(make_runtime, model, clerk(turn_timeout_seconds=1)) as (base, runtime):
        frames = turn(base, acme, {"message": "find the order"})
        run_id, session_id = frames[0].data["run_id"], frames[0].data["session_id"]
        run = httpx.get(f"{base}/executions/{run_id}", headers=acme.headers).json()
        audit = httpx.get(base + "/agents/clerk/executions", headers=acme.headers).json()
        after = turn(base, acme, {"message": "try again", "session_id": session_id})
        assert_session_consistent(runtime, "acme", session_id)

    assert [f.event for f in frames] == ["run_started", "text_delta", "tool_call", "error", "done"]
    assert frames[3].data["code"] == "deadline_exceeded"
    assert (frames[4].data["status"], frames[4].data["stop_reason"]) == ("failed", "deadline")
    assert CANCELLED == ["slow_lookup"]
    # Stored as far as it got: the run, its text, the call the deadline cut, and its audit entry.
    assert (run["status"], run["stop_reason"], run["error"]["code"]) == (
        "failed",
        "deadline",
        "deadline_exceeded",
    )
    assert run["reply"] == "Let me look that up."
    (step,) = run["steps"]
    assert (step["tool"], step["ok"], step["rejected"]) == ("slow_lookup", False, "timeout")
    assert [(e["call_id"], e["rejected"]) for e in audit["items"]] == [("t1", "timeout")]
    # The session goes on: the next turn sends the first one, its cut call answered.
    assert after[-1].data["status"] == "completed"
    history = model.requests[-1].messages
    assert history[0].text == "find the order" and history[-1].text.endswith("try again")
    assert INTERRUPTED in history[-1].text  # the cut call's result, as the model reads it


@pytest.mark.parametrize(("asked", "given"), [(None, 2), (1, 1), (900, 2)])
def test_no_agent_gets_a_longer_turn_than_the_platforms(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant], asked: float | None, given: float
) -> None:
    agent = clerk() if asked is None else clerk(turn_timeout_seconds=asked)
    with stack(make_runtime, ScriptedModel([say("Quick.")]), agent, turn_timeout_seconds=2) as (base, _):
        run_id = turn(base, tenants["acme"], {"message": "hi"})[0].data["run_id"]
        run = httpx.get(f"{base}/executions/{run_id}", headers=tenants["acme"].headers).json()

    started, deadline = (datetime.fromisoformat(run[name]) for name in ("started_at", "deadline_at"))
    assert (deadline - started).total_seconds() == pytest.approx(given, abs=0.01)
