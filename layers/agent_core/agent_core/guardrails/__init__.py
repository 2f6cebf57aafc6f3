"""The one decision asked before a tool runs: run it, shadow it, or refuse it with a reason.

Every rule about whether a call may have its effect lives here, never in the loop: today the
tenant's write mode (shadow mode, the default for writes); the next rules (confirmation, scopes,
rate limits, switches) are added beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext


@dataclass(frozen=True)
class Run:
    """The call runs for real."""


@dataclass(frozen=True)
class Shadow:
    """A write that does not run: it is rehearsed, and the model reads what would have happened."""


@dataclass(frozen=True)
class Refuse:
    """The call does not run; the model reads ``reason`` as the tool's error."""

    reason: str


Decision = Run | Shadow | Refuse
RUN, SHADOW = Run(), Shadow()


class Guardrails:
    """Decides each tool call, from the tool, the caller, the tenant and the agent."""

    async def decide(self, tool: Tool, arguments: dict[str, Any], ctx: RunContext) -> Decision:
        if tool.read_only:
            return RUN
        return SHADOW if ctx.tenant.write_mode(ctx.agent_id) == "shadow" else RUN


__all__ = ["RUN", "SHADOW", "Decision", "Guardrails", "Refuse", "Run", "Shadow"]
