"""A turn's metrics leave as CloudWatch Embedded Metric Format lines on stdout when the turn ends:
asserted here by name, value and dimensions, as CloudWatch would read them from the log stream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent_core import (
    RunContext,
    Runtime,
    Settings,
    SingleModelProvider,
    Tenant,
    TurnRequest,
    issue_api_key,
    tool,
)
from agent_core.agents import Agent, AgentRegistry
from agent_core.guardrails import Decision, Guardrails, ProposedCall, Refuse, WriteMode
from agent_core.llm.scripted import say
from agent_core.llm.types import ModelEvent, ModelFinished, ToolUseRequested, Usage
from agent_core.observability.metrics import NAMESPACE
from agent_core.tools.registry import ToolRegistry
from agent_core.web import chat_reply
from local.aws import ensure_table
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.log_audit import remember_secret
from tests.support.log_lines import captured_log_lines, lines_saying

pytestmark = pytest.mark.anyio
# Raw argument values: the log audit (tests/test_logs.py) checks that no line of the run holds them.
CARD = remember_secret("4111 1111 1111 1111")
PASSWORD = remember_secret("correct-horse-battery-staple")

Emf = dict[str, Any]


@tool
async def look_up(ctx: RunContext, what: str) -> dict[str, str]:
    """Look something up."""
    return {"found": what}


@tool(read_only=False)
async def pay(ctx: RunContext, card_number: str) -> dict[str, str]:
    """Pay with a card (a write: shadowed for this tenant)."""
    return {"paid": "yes"}


@tool(read_only=False)
async def wipe(ctx: RunContext, password: str) -> dict[str, str]:
    """Wipe everything (refused by a guardrail)."""
    return {"wiped": "yes"}


class NoWiping:
    """A guardrail refusing one tool, as a missing scope would."""

    async def check(self, call: ProposedCall) -> Decision | None:
        return Refuse("wiping needs the admin scope", "scope") if call.tool.name == "wipe" else None


DESK = Agent(
    id="desk",
    title="Desk",
    description="Does things.",
    prompt="Help.",
    tools=ToolRegistry([look_up, pay, wipe]),
)
THREE_CALLS: list[ModelEvent | BaseException] = [
    ToolUseRequested(id="toolu_01look", name="look_up", input={"what": "anvils"}),
    ToolUseRequested(id="toolu_01pay", name="pay", input={"card_number": CARD}),
    ToolUseRequested(id="toolu_01wipe", name="wipe", input={"password": PASSWORD}),
    ModelFinished(
        stop_reason="tool_use",
        usage=Usage(
            input_tokens=100,
            output_tokens=20,
            cache_read_input_tokens=900,
            cache_creation_input_tokens=300,
            thinking_tokens=8,
        ),
    ),
]
ANSWER = say("Done.", usage=Usage(input_tokens=150, output_tokens=10, cache_read_input_tokens=1200))


async def one_turn(steps: list[list[ModelEvent | BaseException]]) -> str:
    ensure_table(TABLE)
    runtime = Runtime(
        Settings(table_name=TABLE, region="us-east-1", model_provider="local"),
        models=SingleModelProvider(ScriptedModel(steps)),
        agents=AgentRegistry([DESK]),
    )
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("desk",)))  # writes: shadow
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-user")
    chat = runtime.chat
    chat.guardrails = Guardrails([NoWiping(), WriteMode()])
    turn = await chat.start(runtime.authenticator.authenticate(key), "desk", TurnRequest(message="go"))
    reply = await chat_reply(turn)
    return reply.status


def emf_lines(stdout: str) -> list[Emf]:
    return [line for line in map(json.loads, filter(None, stdout.splitlines())) if "_aws" in line]


def metrics_of(emf: Emf) -> dict[str, list[float]]:
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    return {metric["Name"]: emf[metric["Name"]] for metric in directive["Metrics"]}


def dimensions_of(emf: Emf) -> dict[str, str]:
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    (dimension_set,) = directive["Dimensions"]
    return {name: emf[name] for name in dimension_set}


def line_with(lines: list[Emf], **dimensions: str) -> Emf:
    (found,) = [line for line in lines if dimensions_of(line) == {"service": "agent-runtime", **dimensions}]
    return found


async def test_a_turns_metrics_by_name_value_and_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert await one_turn([THREE_CALLS, ANSWER]) == "completed"

    lines = emf_lines(capsys.readouterr().out)
    assert {line["_aws"]["CloudWatchMetrics"][0]["Namespace"] for line in lines} == {NAMESPACE}
    turn = metrics_of(line_with(lines, agent="desk"))
    assert {name: turn[name] for name in turn if name not in ("TurnDuration", "TimeToFirstToken")} == {
        "Turns": [1.0],
        "TurnErrors": [0.0],
        "InputTokens": [250.0],
        "OutputTokens": [30.0],
        "CacheReadTokens": [2100.0],
        "CacheWriteTokens": [300.0],
        "ThinkingTokens": [8.0],
    }
    assert len(turn["TurnDuration"]) == len(turn["TimeToFirstToken"]) == 1
    assert turn["TimeToFirstToken"][0] >= 0
    look, pay, wipe = (metrics_of(line_with(lines, tool=name)) for name in ("look_up", "pay", "wipe"))
    assert (look["ToolCalls"], look["ToolErrors"], len(look["ToolLatency"])) == ([1.0], [0.0], 1)
    assert (pay["ToolCalls"], pay["ToolErrors"], len(pay["ToolLatency"])) == ([1.0], [0.0], 1)  # rehearsed
    assert (wipe["ToolCalls"], wipe["ToolErrors"], "ToolLatency" in wipe) == ([1.0], [0.0], False)
    assert metrics_of(line_with(lines, kind="shadow")) == {"Rejections": [1.0]}
    assert metrics_of(line_with(lines, kind="scope")) == {"Rejections": [1.0]}
    assert len(lines) == 6


async def test_no_tenant_dimension_and_no_argument_value_in_metrics_or_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    with captured_log_lines() as logged:
        await one_turn([THREE_CALLS, ANSWER])

    printed = capsys.readouterr().out
    lines = emf_lines(printed)
    assert lines and all("tenant_id" not in line and "acme" not in json.dumps(line) for line in lines)
    assert (CARD not in printed) and (PASSWORD not in printed) and (CARD.replace(" ", "") not in printed)
    (turn_line,) = lines_saying(logged, "turn ended")
    assert turn_line["tenant_id"] == "acme"  # per tenant: in the log line, not as a dimension
    assert turn_line["rejections"] == {"shadow": 1, "scope": 1}
    calls = lines_saying(logged, "tool call")
    assert [(line["tool"], line["mode"], line.get("rejected")) for line in calls] == [
        ("look_up", "live", None),
        ("pay", "shadow", None),
        ("wipe", "live", "scope"),
    ]


async def test_a_failed_turn_counts_as_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert await one_turn([]) == "failed"  # the model has nothing to say: model_error

    turn = metrics_of(line_with(emf_lines(capsys.readouterr().out), agent="desk"))
    assert (turn["Turns"], turn["TurnErrors"], "TimeToFirstToken" in turn) == ([1.0], [1.0], False)
