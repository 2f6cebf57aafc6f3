"""The general agent: a helpful assistant that knows who it is talking to and can read the web."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.registry import ToolRegistry
from agent_core.tools.tenant_info import tenant_info
from agent_core.tools.web import visit_webpage, web_search

general = Agent(
    id="general",
    title="General assistant",
    description=(
        "Answers general questions, searches the web and reads public pages, "
        "and knows which tenant and caller it is serving."
    ),
    prompt=load_prompt("general"),
    tools=ToolRegistry([tenant_info, web_search, visit_webpage]),
    # Medium effort: most questions are conversational and should answer quickly, but a web
    # question needs a plan (which searches, which pages to read), which medium still thinks through.
    thinking=Thinking(mode="adaptive", effort="medium"),
)
