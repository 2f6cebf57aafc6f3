"""The warehouse agent: stock, reorder alerts, slow movers and incoming receipts from the tenant's Odoo."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.odoo import WAREHOUSE_TOOLS
from agent_core.tools.registry import ToolRegistry

warehouse_agent = Agent(
    id="warehouse",
    title="Warehouse assistant",
    description=(
        "Answers from the workspace's Odoo inventory: stock on hand by product and location, products "
        "below their reorder minimum, slow-moving stock, and pending receipts from vendors (read-only)."
    ),
    prompt=load_prompt("warehouse"),
    tools=ToolRegistry(WAREHOUSE_TOOLS),
    # Low effort: each question is one lookup (stock, reorder alerts, receipts) read off one tool's
    # table; deep reasoning adds seconds without changing the answer.
    thinking=Thinking(mode="adaptive", effort="low"),
)
