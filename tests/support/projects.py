"""For the project assistant's tests: tenants bound to the demo project API, run contexts, and
addresses that refuse connections or never answer."""

from __future__ import annotations

from typing import Any

from agent_core import RunContext, Runtime, Tenant, ToolServices, WriteMode
from local.projects_api import ProjectsApiServer
from tests.support.context import run_context as context_for

NAMES = {"acme": "Acme Corporation", "globex": "Globex Corporation"}


def projects_tenant(
    tenant_id: str,
    projects_url: str | None,
    *,
    writes: WriteMode = "shadow",
    agent_writes: dict[str, WriteMode] | None = None,
) -> Tenant:
    return Tenant(
        tenant_id=tenant_id,
        name=NAMES.get(tenant_id, tenant_id),
        enabled_agents=("projects", "general"),
        projects_url=projects_url,
        writes=writes,
        agent_writes=agent_writes or {},
    )


def bind(
    runtime: Runtime,
    api: ProjectsApiServer,
    tenant_id: str,
    *,
    writes: WriteMode = "shadow",
    agent_writes: dict[str, WriteMode] | None = None,
) -> None:
    """Bind ``tenant_id`` to the demo API as an operator would: the URL on the record, the token
    in the tenant's secret."""
    runtime.tenants.put(projects_tenant(tenant_id, api.url, writes=writes, agent_writes=agent_writes))
    runtime.secrets.put_tenant_secret(tenant_id, {"projects_token": api.token_for(tenant_id)})


def run_context(tenant: Tenant, secret: dict[str, Any], services: ToolServices) -> RunContext:
    """What the loop hands a tool during a turn of ``tenant``'s projects agent."""
    return context_for(tenant, agent_id="projects", secret=secret, services=services)
