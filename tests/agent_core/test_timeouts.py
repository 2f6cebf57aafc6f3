"""Timeouts: the platform's are the defaults; an agent may shorten its turn, never stretch it; a tool
call's own timeout, else its agent's, else the platform's."""

from __future__ import annotations

import pytest

from agent_core import Agent, RunContext, Settings, tool
from agent_core.timeouts import timed_out, tool_seconds, turn_seconds
from agent_core.tools.tenant_info import tenant_info

PLATFORM = Settings(turn_timeout_seconds=60, tool_timeout_seconds=30)


def agent(*, turn_timeout_seconds: float | None = None, tool_timeout_seconds: float | None = None) -> Agent:
    return Agent(
        id="clock",
        title="Clock",
        description="Keeps time.",
        prompt="Be quick.",
        turn_timeout_seconds=turn_timeout_seconds,
        tool_timeout_seconds=tool_timeout_seconds,
    )


@pytest.mark.parametrize(
    ("chosen", "turn"),
    [(None, 60), (agent(), 60), (agent(turn_timeout_seconds=20), 20), (agent(turn_timeout_seconds=900), 60)],
)
def test_an_agents_turn_is_its_own_timeout_capped_by_the_platforms(chosen: Agent | None, turn: float) -> None:
    assert turn_seconds(PLATFORM, chosen) == turn


@pytest.mark.parametrize(
    ("chosen", "seconds"),
    [(None, 30), (agent(), 30), (agent(tool_timeout_seconds=5), 5), (agent(tool_timeout_seconds=45), 45)],
)
def test_an_agents_tool_calls_take_its_timeout_else_the_platforms(
    chosen: Agent | None, seconds: float
) -> None:
    # More than the platform's is allowed: a call never outlives its turn, which is what bounds it.
    assert tool_seconds(PLATFORM, chosen) == seconds


@pytest.mark.parametrize("name", ["turn_timeout_seconds", "tool_timeout_seconds"])
@pytest.mark.parametrize("value", [0, -1.5])
def test_an_agent_cannot_ask_for_no_time(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"agent clock: {name} must be more than 0 seconds"):
        agent(**{name: value})


def test_a_tool_cannot_ask_for_no_time() -> None:
    async def instant(ctx: RunContext) -> str:
        """Answer at once."""
        return "now"

    with pytest.raises(TypeError, match="tool instant: timeout_seconds must be more than 0, not 0"):
        tool(timeout_seconds=0)(instant)


def test_what_the_model_reads_of_a_timeout_says_so_and_what_to_do() -> None:
    @tool(read_only=False)
    async def book(ctx: RunContext) -> str:
        """Book something (a write)."""
        return "booked"

    read = timed_out(tenant_info, 2.5)
    write = timed_out(book, 30)

    assert read.startswith("tool_timeout: tenant_info did not answer within 2.5 s and was stopped.")
    assert "Try once more" in read
    assert write.startswith("tool_timeout: book did not answer within 30 s and was stopped.")
    assert "may or may not have happened: do not repeat it before checking" in write
