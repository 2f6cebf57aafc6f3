"""The general agent: a helpful assistant that knows who it is talking to."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.tools.registry import ToolRegistry
from agent_core.tools.tenant_info import tenant_info

general = Agent(
    id="general",
    title="General assistant",
    description="Answers general questions and knows which tenant and caller it is serving.",
    prompt=load_prompt("general"),
    tools=ToolRegistry([tenant_info]),
)
