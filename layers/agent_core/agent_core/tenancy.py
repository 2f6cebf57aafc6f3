"""Who is calling and what their tenant may use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Caller(BaseModel):
    """The identity behind an API key. The tenant comes from here and from nowhere else."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    caller_id: str
    key_id: str
    scopes: tuple[str, ...] = ("chat", "read")


class Tenant(BaseModel):
    """A customer of the SaaS that deploys this runtime."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    name: str
    plan: str = "standard"
    enabled_agents: tuple[str, ...] = ("general",)
    model: str | None = Field(default=None, description="Overrides the platform's model id.")
    created_at: str | None = None

    def may_use(self, agent_id: str) -> bool:
        return agent_id in self.enabled_agents
