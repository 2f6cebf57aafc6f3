"""Every log line names its request, tenant, turn and tool call, even with turns of two tenants in
flight at once in one process (uvicorn, one event loop); a line per tool call and per turn."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from agent_core import RunContext, Runtime, Settings, Tenant, issue_api_key, tool
from agent_core.agents import Agent, AgentRegistry
from agent_core.llm.model import Model
from agent_core.llm.scripted import call, say
from agent_core.observability import logger
from agent_core.tools.registry import ToolRegistry
from local.aws import ensure_table
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.log_lines import LogLine, captured_log_lines, lines_saying
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

BOTH_IN_THEIR_TOOL = threading.Barrier(2)


@tool
async def look_up(ctx: RunContext, what: str) -> dict[str, str]:
    """Look something up."""
    # Both turns are inside their tool call when either logs: the moment keys could mix.
    await asyncio.to_thread(BOTH_IN_THEIR_TOOL.wait, 10)
    logger.info("looking up")
    return {"found": what}


CLERK = Agent(
    id="clerk", title="Clerk", description="Looks things up.", prompt="Help.", tools=ToolRegistry([look_up])
)


class ModelPerTenant:
    """Each tenant's own scripted model."""

    def __init__(self, models: dict[str, Model]) -> None:
        self.models = models

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> Model:
        return self.models[tenant.tenant_id]


@dataclass(frozen=True)
class Reply:
    tenant_id: str
    request_id: str
    frames: list[Frame]

    @property
    def run_id(self) -> str:
        return str(self.frames[0].data["run_id"])

    @property
    def call_id(self) -> str:
        return next(str(f.data["call_id"]) for f in self.frames if f.event == "tool_call")


@pytest.fixture
def keys() -> dict[str, str]:
    return {}


@pytest.fixture
def base(keys: dict[str, str]) -> Iterator[str]:
    ensure_table(TABLE)
    # globex's model is slower: the two turns overlap in their tool calls, but do not store their
    # ends at the same instant (moto's transactions are not safe to run concurrently).
    models: dict[str, Model] = {
        tenant: ScriptedModel(
            [call("look_up", {"what": f"anvils for {tenant}"}), say("Found ", "them.")], pause_seconds=pause
        )
        for tenant, pause in (("acme", 0.0), ("globex", 0.3))
    }
    runtime = Runtime(
        Settings(table_name=TABLE, region="us-east-1", model_provider="local"),
        models=ModelPerTenant(models),
        agents=AgentRegistry([CLERK]),
    )
    for tenant in models:
        runtime.tenants.put(Tenant(tenant_id=tenant, name=tenant.title(), enabled_agents=("clerk",)))
        keys[tenant], _ = issue_api_key(runtime.api_keys, tenant, caller_id=f"{tenant}-user")
    with serve_stack(runtime) as url:
        yield url


def chat(base: str, tenant_id: str, key: str) -> Reply:
    if tenant_id == "globex":
        time.sleep(0.3)  # acme's turn has begun (moto, again) and waits in its tool for this one
    response = httpx.post(
        base + "/agents/clerk/chat/stream",
        json={"message": "find anvils"},
        headers={"X-API-Key": key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return Reply(tenant_id, response.headers["X-Request-Id"], parse(response.text))


def test_two_concurrent_turns_log_their_own_ids_on_every_line(base: str, keys: dict[str, str]) -> None:
    BOTH_IN_THEIR_TOOL.reset()
    with captured_log_lines() as lines, ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda tenant: chat(base, tenant, keys[tenant]), ["acme", "globex"]))

    assert all(reply.frames[-1].data["status"] == "completed" for reply in replies)  # the barrier was met
    for reply in replies:
        mine = [line for line in lines if line.get("request_id") == reply.request_id]
        assert {line["tenant_id"] for line in mine} == {reply.tenant_id}
        assert {line["run_id"] for line in mine if "run_id" in line} == {reply.run_id}
        assert [line for line in lines if line.get("run_id") == reply.run_id] == [
            line for line in mine if "run_id" in line
        ]
        (inside,) = lines_saying(mine, "looking up")
        assert (inside["call_id"], inside["agent_id"]) == (reply.call_id, "clerk")


def test_a_line_per_tool_call_and_per_turn_without_argument_values(base: str, keys: dict[str, str]) -> None:
    BOTH_IN_THEIR_TOOL.reset()
    with captured_log_lines() as lines, ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda tenant: chat(base, tenant, keys[tenant]), ["acme", "globex"]))

    for reply in replies:
        mine = [line for line in lines if line.get("request_id") == reply.request_id]
        (call_line,) = lines_saying(mine, "tool call")
        assert_fields(
            call_line,
            call_id=reply.call_id,
            tool="look_up",
            mode="live",
            ok=True,
            run_id=reply.run_id,
            tenant_id=reply.tenant_id,
        )
        assert call_line["latency_ms"] >= 0 and call_line["result_size"] > 0
        (turn_line,) = lines_saying(mine, "turn ended")
        assert_fields(
            turn_line,
            status="completed",
            stop_reason="end_turn",
            steps=1,
            agent_id="clerk",
            run_id=reply.run_id,
            rejections={},
        )
        assert "call_id" not in turn_line  # the call's scope ended with the call
        assert turn_line["usage"]["input_tokens"] == 20 and turn_line["usage"]["output_tokens"] == 7
        # The first words came after the tool call: counted from the turn's start, they waited for it.
        assert turn_line["time_to_first_token_ms"] >= call_line["latency_ms"]
        assert "anvils for" not in json.dumps(mine)  # the tool's argument, and its result


def assert_fields(line: LogLine, **expected: object) -> None:
    assert {name: line.get(name) for name in expected} == expected
