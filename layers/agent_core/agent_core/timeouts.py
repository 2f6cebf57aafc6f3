"""How long a turn and each of its tool calls may take, and what the model reads when a call overruns.

The platform's settings (``TURN_TIMEOUT_SECONDS``, ``TOOL_TIMEOUT_SECONDS``) are the defaults. An
agent may ask for its own turn timeout, but never for more than the platform's: the chat function's
own timeout is sized for that one (a turn past its deadline must still be stored before Lambda stops
the function; ``tests/deploy/test_template.py`` checks the sum). A tool call's timeout is the tool's
own (``@tool(timeout_seconds=...)``), else its agent's, else the platform's, and whichever it is, a
call never outlives the turn's deadline: that, not a second ceiling, is what bounds it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from agent_core.settings import Settings

if TYPE_CHECKING:
    from agent_core.agents.agent import Agent
    from agent_core.tools.base import Tool

TOOL_TIMEOUT = "tool_timeout"  # how the model's tool result starts when a call overran
# When the tool call being served must end (time.monotonic()), for a tool that waits (a retry).
_call_deadline: ContextVar[float | None] = ContextVar("tool_call_deadline", default=None)


def turn_seconds(settings: Settings, agent: Agent | None) -> float:
    """The deadline of one of ``agent``'s turns, in seconds from its start."""
    own = agent.turn_timeout_seconds if agent is not None else None
    return min(own, settings.turn_timeout_seconds) if own is not None else settings.turn_timeout_seconds


def tool_seconds(settings: Settings, agent: Agent | None) -> float:
    """How long one of ``agent``'s tool calls may take, unless the tool names its own timeout."""
    own = agent.tool_timeout_seconds if agent is not None else None
    return own if own is not None else settings.tool_timeout_seconds


def timed_out(tool: Tool, seconds: float) -> str:
    """The tool result the model reads for a call cancelled after ``seconds``."""
    told = f"{TOOL_TIMEOUT}: {tool.name} did not answer within {seconds:.3g} s and was stopped."
    if tool.read_only:
        return f"{told} Try once more with a narrower request, or tell the user the system is slow."
    return (
        f"{told} If it was making a change, that change may or may not have happened: do not repeat "
        "it before checking, and tell the user."
    )


@contextmanager
def call_deadline(seconds: float) -> Iterator[None]:
    """Within this block a tool can know how long its call has left (:func:`call_time_left`)."""
    token = _call_deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _call_deadline.reset(token)


def call_time_left() -> float | None:
    """Seconds the tool call being served has left; None outside a timed call."""
    deadline = _call_deadline.get()
    return None if deadline is None else deadline - time.monotonic()
