"""The sales agent: pipeline value, deal velocity, top customers and upsell leads from the tenant's Odoo."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.odoo import SALES_TOOLS
from agent_core.tools.registry import ToolRegistry

sales_agent = Agent(
    id="sales",
    title="Sales assistant",
    description=(
        "Answers from the workspace's Odoo sales and CRM: weighted pipeline value, how fast deals move, "
        "the top customers by revenue, and dormant customers worth winning back (read-only)."
    ),
    prompt=load_prompt("sales"),
    tools=ToolRegistry(SALES_TOOLS),
    # Medium effort: pipeline and customer questions weigh a few figures against each other
    # (velocity, value, dormancy); routine enough not to need the default high effort.
    thinking=Thinking(mode="adaptive", effort="medium"),
)
