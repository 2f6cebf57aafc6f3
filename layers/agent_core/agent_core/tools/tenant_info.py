"""The ``tenant_info`` tool."""

from __future__ import annotations

from pydantic import BaseModel

from agent_core.tools.base import tool
from agent_core.tools.context import RunContext


class TenantInfo(BaseModel):
    tenant_id: str
    tenant_name: str
    plan: str
    caller_id: str
    enabled_agents: list[str]


@tool(read_only=True)
async def tenant_info(ctx: RunContext) -> TenantInfo:
    """Who is asking: the tenant's id, name and plan, the caller's id, and the agents the tenant may use.

    Use it when the user asks who they are, which account or plan they are on, or what they can use.
    """
    return TenantInfo(
        tenant_id=ctx.tenant.tenant_id,
        tenant_name=ctx.tenant.name,
        plan=ctx.tenant.plan,
        caller_id=ctx.caller.caller_id,
        enabled_agents=list(ctx.tenant.enabled_agents),
    )
