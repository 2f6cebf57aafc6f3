"""Rate limits and budgets through the HTTP API (uvicorn on loopback, moto, the scripted model):
a tool hammered from several clients at once, turns per minute, a spent budget."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from agent_core import (
    ModelRequest,
    RunContext,
    Runtime,
    SingleModelProvider,
    Tenant,
    Usage,
    issue_api_key,
    tool,
)
from agent_core.agents import Agent, AgentRegistry
from agent_core.limits import UsageLimits
from agent_core.llm.scripted import say
from agent_core.llm.types import ModelEvent, ModelFinished, ToolResultBlock, ToolUseRequested
from agent_core.tenancy import TenantLimits
from agent_core.tools.registry import ToolRegistry
from tests.conftest import RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.clock import ManualClock
from tests.support.consistency import assert_session_consistent
from tests.support.emf import emf_metrics
from tests.support.stack import serve_stack

# 23:00:45 UTC: the minute ends in 15 s, the second in 1 s, the day in 3,555 s.
NOW = datetime(2026, 11, 30, 23, 0, 45, tzinfo=UTC)
CALLS_PER_TURN = 4
RAN: list[str] = []


@tool
async def look_up(ctx: RunContext, what: str) -> dict[str, str]:
    """Look something up in the tenant's records."""
    RAN.append(what)
    return {"found": what}


DESK = Agent(
    id="desk", title="Desk", description="Looks things up.", prompt="Help.", tools=ToolRegistry([look_up])
)


class Hammering(ScriptedModel):
    """Answers each turn's first request with ``CALLS_PER_TURN`` calls of look_up at once, and the
    request that brings their results back with a sentence; whichever turn asks first."""

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        last = request.messages[-1]
        if any(isinstance(block, ToolResultBlock) for block in last.content):
            step: list[ModelEvent | BaseException] = say("Done.")
        else:
            step = [
                *(
                    ToolUseRequested(
                        id=f"toolu_{id(request)}_{n}", name="look_up", input={"what": f"item {n}"}
                    )
                    for n in range(CALLS_PER_TURN)
                ),
                ModelFinished(stop_reason="tool_use", usage=Usage(input_tokens=10, output_tokens=5)),
            ]
        self._steps.insert(0, step)  # taken by the stream below before anything else can run
        async for event in super().stream(request):
            yield event


@pytest.fixture
def clock() -> ManualClock:
    RAN.clear()
    return ManualClock(NOW)


def desk_stack(
    make_runtime: RuntimeFactory, model: ScriptedModel, clock: ManualClock, **limits: Any
) -> tuple[Runtime, dict[str, str]]:
    """A runtime with the desk agent, its limits on ``clock``, and acme's key."""
    settings = make_runtime().settings  # on the test table
    runtime = Runtime(settings, models=SingleModelProvider(model), agents=AgentRegistry([DESK]))
    runtime.limits = UsageLimits(runtime.counters, clock=clock)  # before the chat service is built
    runtime.tenants.put(
        Tenant(tenant_id="acme", name="Acme", enabled_agents=("desk",), limits=TenantLimits(**limits))
    )
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-user", scopes=("chat", "audit:read"))
    return runtime, {"X-API-Key": key}


def test_a_tool_hammered_from_several_clients_runs_its_limit_and_the_model_is_told_to_wait(
    make_runtime: RuntimeFactory, clock: ManualClock
) -> None:
    model = Hammering([])
    runtime, headers = desk_stack(make_runtime, model, clock, tool_calls_per_second=5)
    clients = 3
    with serve_stack(runtime) as base:

        def one_turn(n: int) -> httpx.Response:
            return httpx.post(
                base + "/agents/desk/chat", json={"message": f"look {n} up"}, headers=headers, timeout=30
            )

        with ThreadPoolExecutor(clients) as pool:
            replies = list(pool.map(one_turn, range(clients)))
        audit = httpx.get(base + "/agents/desk/executions?limit=100", headers=headers).json()["items"]

    assert [reply.status_code for reply in replies] == [200] * clients, [r.text for r in replies]
    for reply in replies:
        assert_session_consistent(runtime, "acme", reply.json()["session_id"])
    assert {reply.json()["status"] for reply in replies} == {"completed"}
    # Every turn asked for 4 calls at once, in the same second: 5 ran, the 7 others did not.
    assert len(RAN) == 5
    told = [
        json.loads(block.content)
        for request in model.requests
        for message in request.messages[-1:]
        for block in message.content
        if isinstance(block, ToolResultBlock) and block.is_error
    ]
    assert len(told) == clients * CALLS_PER_TURN - 5
    assert {(result["error"], result["retry_after"]) for result in told} == {("rate_limited", 1)}
    assert "wait 1 s before calling it again" in told[0]["message"]
    assert len(audit) == clients * CALLS_PER_TURN
    assert sorted(entry["rejected"] or "ran" for entry in audit) == ["ran"] * 5 + ["rate_limit"] * 7
    assert all(entry["ok"] is False for entry in audit if entry["rejected"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/agents/desk/chat/stream", {"message": "hello"}),
        ("/agents/desk/chat", {"message": "hello"}),
        ("/api/v1/agent/execute", {"task": "hello", "agent_id": "desk"}),
    ],
)
def test_a_turn_over_the_tenants_turns_per_minute_is_a_429_before_it_starts(
    make_runtime: RuntimeFactory,
    clock: ManualClock,
    path: str,
    body: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = ScriptedModel([say("One."), say("Two."), say("Three.")])
    runtime, headers = desk_stack(make_runtime, model, clock, turns_per_minute=2)
    with serve_stack(runtime) as base:
        for _ in range(2):
            assert httpx.post(base + path, json=body, headers=headers, timeout=30).status_code == 200
        refused = httpx.post(base + path, json=body, headers=headers, timeout=30)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "15"  # the minute ends at 23:01:00
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "2 turns a minute" in refused.json()["error"]["message"]
    assert len(model.requests) == 2  # the third turn never reached the model
    [held] = emf_metrics(capsys.readouterr().out, metric="Rejections")
    assert (held["kind"], held["Rejections"]) == ("rate_limit", [1.0])


def test_a_tenant_over_its_daily_budget_gets_a_429_before_the_model_is_asked(
    make_runtime: RuntimeFactory, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # 100,000 output tokens of Sonnet 5.5 at $10 / MTok: the whole $1 budget in one turn.
    model = ScriptedModel([say("An expensive answer.", usage=Usage(input_tokens=0, output_tokens=100_000))])
    runtime, headers = desk_stack(make_runtime, model, clock, daily_budget_usd=Decimal("1"))
    with serve_stack(runtime) as base:
        first = httpx.post(base + "/agents/desk/chat", json={"message": "go"}, headers=headers, timeout=30)
        asked = len(model.requests)
        refused = httpx.post(
            base + "/agents/desk/chat/stream", json={"message": "more"}, headers=headers, timeout=30
        )

    assert first.status_code == 200 and first.json()["usage"]["output_tokens"] == 100_000
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3555"
    assert refused.json()["error"]["code"] == "budget_exhausted"
    assert "daily budget of $1 is spent ($1.00)" in refused.json()["error"]["message"]
    assert len(model.requests) == asked == 1  # no request for the refused turn
    [held] = emf_metrics(capsys.readouterr().out, metric="Rejections")
    assert (held["kind"], held["Rejections"]) == ("budget", [1.0])
