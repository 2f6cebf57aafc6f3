"""Agent definitions: id, prompt (a data file), tools, defaults."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.agents.registry import AgentRegistry, default_agents

__all__ = ["Agent", "AgentRegistry", "default_agents", "load_prompt"]
