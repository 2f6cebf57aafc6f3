"""While a slow tool runs, the stream says nothing for a while: a ``: ping`` comment goes out every
15 s (FastAPI's own keep-alive, at its real interval), so no proxy or client drops a quiet stream.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx

from agent_core import RunContext, Runtime, Settings, SingleModelProvider, Tenant, issue_api_key, tool
from agent_core.agents import Agent, AgentRegistry
from agent_core.llm.scripted import call, say
from agent_core.tools.registry import ToolRegistry
from tests.fakes.scripted_model import ScriptedModel
from tests.support.sse import parse
from tests.support.stack import serve_stack

HEARD_PING = threading.Event()


@tool
async def slow_report(ctx: RunContext) -> dict[str, Any]:
    """A report that takes its time: it returns once the client has heard a keep-alive (or 25 s)."""
    await asyncio.to_thread(HEARD_PING.wait, 25)
    return {"rows": 3}


REPORTS = Agent(
    id="reports",
    title="Reports",
    description="Slow reports.",
    prompt="Help.",
    tools=ToolRegistry([slow_report]),
)


def test_a_slow_tool_keeps_the_stream_alive_with_a_ping_every_15_seconds(table: str) -> None:
    HEARD_PING.clear()
    model = ScriptedModel([call("slow_report"), say("Three rows.")])
    settings = Settings(table_name=table, region="us-east-1", model_provider="local", tool_timeout_seconds=40)
    runtime = Runtime(settings, models=SingleModelProvider(model), agents=AgentRegistry([REPORTS]))
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("reports",)))
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="ada")
    lines: list[str] = []
    quiet_for: float | None = None
    with (
        serve_stack(runtime) as base,
        httpx.stream(
            "POST",
            base + "/agents/reports/chat/stream",
            json={"message": "report"},
            headers={"X-API-Key": key},
            timeout=40,
        ) as response,
    ):
        called_at = 0.0
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("event: tool_call"):
                called_at = time.monotonic()
            elif line == ": ping" and quiet_for is None:
                quiet_for = time.monotonic() - called_at
                HEARD_PING.set()

    assert quiet_for is not None, lines
    assert 13 <= quiet_for <= 16.5  # the first ping comes ~15 s after the last event, not before
    events = parse("\n".join(lines))
    assert [event.event for event in events] == [
        "run_started",
        "tool_call",
        "tool_result",
        "text_delta",
        "done",
    ]
    assert events[2].data["ok"] is True and events[-1].data["status"] == "completed"
