"""The agents this runtime offers, by id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from agent_core.agents.agent import Agent
from agent_core.agents.finance import finance_agent
from agent_core.agents.general import general
from agent_core.agents.marketing import marketing_agent
from agent_core.agents.projects import projects_agent
from agent_core.agents.sales import sales_agent
from agent_core.agents.warehouse import warehouse_agent
from agent_core.tenancy import Tenant


class AgentRegistry:
    def __init__(self, agents: Iterable[Agent]) -> None:
        self._agents = {agent.id: agent for agent in agents}

    def get(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self._agents.values())

    def enabled_for(self, tenant: Tenant) -> list[Agent]:
        """The agents a tenant may use, in the tenant's order."""
        return [agent for agent_id in tenant.enabled_agents if (agent := self._agents.get(agent_id))]


def default_agents() -> AgentRegistry:
    """Every agent this runtime ships; each tenant enables some of them."""
    return AgentRegistry(
        [general, finance_agent, warehouse_agent, marketing_agent, sales_agent, projects_agent]
    )
