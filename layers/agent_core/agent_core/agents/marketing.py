"""The marketing agent: pipeline, lead scoring, campaigns and funnel conversion from the tenant's Odoo."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.odoo import MARKETING_TOOLS
from agent_core.tools.registry import ToolRegistry

marketing_agent = Agent(
    id="marketing",
    title="Marketing assistant",
    description=(
        "Answers from the workspace's Odoo CRM and email marketing: the pipeline by stage, which leads "
        "to call first, campaign open and click rates, and funnel conversion rates (read-only)."
    ),
    prompt=load_prompt("marketing"),
    tools=ToolRegistry(MARKETING_TOOLS),
    # Medium effort: comparing stages, campaigns and conversion rates takes some reasoning over the
    # numbers, but the questions are routine and should come back quickly.
    thinking=Thinking(mode="adaptive", effort="medium"),
)
