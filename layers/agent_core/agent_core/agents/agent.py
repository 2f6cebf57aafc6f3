"""An agent: an id, a title, a description, a system prompt (a data file), tools and defaults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

from agent_core.llm.types import Thinking
from agent_core.tools.base import Tool
from agent_core.tools.registry import ToolRegistry


def load_prompt(name: str) -> str:
    """The text of ``agents/prompts/<name>.md``, shipped beside the code."""
    return (resources.files("agent_core.agents") / "prompts" / f"{name}.md").read_text("utf-8").strip()


@dataclass(frozen=True)
class Agent:
    id: str
    title: str
    description: str
    prompt: str
    tools: ToolRegistry = field(default_factory=ToolRegistry)
    default_max_steps: int = 10
    thinking: Thinking = field(default_factory=Thinking)
    # Thinking and the answer share max_tokens: room for a few thousand tokens of each.
    max_tokens: int = 16_000
    # None: the platform's (TURN_TIMEOUT_SECONDS, TOOL_TIMEOUT_SECONDS). A turn never gets more than
    # the platform's; a tool call never outlives its turn (see agent_core.timeouts).
    turn_timeout_seconds: float | None = None
    tool_timeout_seconds: float | None = None

    def __post_init__(self) -> None:
        for name in ("turn_timeout_seconds", "tool_timeout_seconds"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"agent {self.id}: {name} must be more than 0 seconds, not {value}")

    def select_tools(self, names: Sequence[str] | None) -> list[Tool]:
        """The tools one request offers: all when ``names`` is None, none for ``[]``.

        Unknown names are the caller's mistake; see :meth:`unknown_tools`.
        """
        if names is None:
            return list(self.tools)
        return [tool for name in dict.fromkeys(names) if (tool := self.tools.get(name))]

    def unknown_tools(self, names: Sequence[str] | None) -> list[str]:
        return [name for name in names or [] if name not in self.tools]
