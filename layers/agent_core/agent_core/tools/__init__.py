"""Tools: the type, the decorator, the registry, and one module per tool family."""

from agent_core.tools.base import Tool, tool
from agent_core.tools.context import RunContext
from agent_core.tools.registry import ToolRegistry
from agent_core.tools.services import ToolServices

__all__ = ["RunContext", "Tool", "ToolRegistry", "ToolServices", "tool"]
