"""``GET /agents``: a tenant's agents, and which of their tools its Odoo cannot serve, and why."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from agent_core.tenancy import Caller, Tenant
from agent_core.web.schemas import AgentInfo, AgentList

if TYPE_CHECKING:
    from agent_core.runtime import Runtime


async def agent_list(runtime: Runtime, caller: Caller, tenant: Tenant) -> AgentList:
    """The agents ``tenant`` has enabled, each with the tools that cannot work for it (an Odoo app
    not installed, a right its Odoo user lacks). The binding's capabilities come from the process's
    cache, else from one probe; an Odoo that does not answer fails nothing (``tools_note`` says so).

    The tools are imported here, on the first call, as the agent catalogue is: the buffered
    functions load no tool module at init."""
    from agent_core.tools.odoo.offer import unavailable_tools, uses_odoo

    enabled = runtime.agents.enabled_for(tenant)
    offer = await unavailable_tools(
        runtime.tool_services,
        tenant,
        partial(runtime.secrets.tenant_secret, caller.tenant_id),
        {tool.name for agent in enabled for tool in agent.tools},
    )
    return AgentList(
        agents=[
            AgentInfo.of(agent, offer.unavailable, offer.note if uses_odoo(agent) else None)
            for agent in enabled
        ]
    )
