"""The finance agent: ledger balances, cash flow, bank balances and reconciliation from the tenant's Odoo."""

from agent_core.agents.agent import Agent, load_prompt
from agent_core.llm.types import Thinking
from agent_core.tools.odoo import FINANCE_TOOLS
from agent_core.tools.registry import ToolRegistry

finance_agent = Agent(
    id="finance",
    title="Finance assistant",
    description=(
        "Answers from the workspace's Odoo accounting: general-ledger balances, the chart of accounts, "
        "cash flow, bank balances and transactions, and suggested bank reconciliations (read-only)."
    ),
    prompt=load_prompt("finance"),
    tools=ToolRegistry(FINANCE_TOOLS),
    # High effort (the API's default, stated so it is deliberate): ledger, cash and reconciliation
    # answers combine several tool results into figures an accountant acts on; care beats speed.
    thinking=Thinking(mode="adaptive", effort="high"),
)
