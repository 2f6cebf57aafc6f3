"""The local stack's demo ERP and demo project API: fixed ports, and tenants that follow them.

Tenant records store these servers' URLs, so the servers listen on fixed ports (``ERP_PORT``,
default 8069 as Odoo's own; ``PROJECTS_PORT``, default 8090): a tenant bound to them, by the seed
or with agentctl, still reaches them after a restart. If a port is changed, tenants bound to the
old URL, where nothing answers any more, are moved to the new one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent_core import Runtime, Tenant
from local.erp import RunningErp, start_erp
from local.ports import claiming, port_from
from local.projects_api import ProjectsApiServer, start_projects_api
from local.state import read_strings

DEFAULT_ERP_PORT = 8069
DEFAULT_PROJECTS_PORT = 8090


@dataclass(frozen=True)
class DemoServers:
    erp: RunningErp
    projects: ProjectsApiServer

    @property
    def urls(self) -> dict[str, str]:
        return {"erp_url": self.erp.url, "projects_url": self.projects.url}

    def stop(self) -> None:
        self.projects.stop()
        self.erp.stop()


def start_demo_servers(environ: Mapping[str, str]) -> DemoServers:
    """Both servers on their ports; a port in use is a :class:`local.ports.PortError`."""
    erp_port = port_from(environ, "ERP_PORT", DEFAULT_ERP_PORT)
    with claiming(erp_port, "the demo ERP", "ERP_PORT"):
        erp = start_erp(port=erp_port)
    projects_port = port_from(environ, "PROJECTS_PORT", DEFAULT_PROJECTS_PORT)
    try:
        with claiming(projects_port, "the demo project API", "PROJECTS_PORT"):
            projects = start_projects_api(port=projects_port)
    except BaseException:
        erp.stop()
        raise
    return DemoServers(erp, projects)


def follow_moved_servers(runtime: Runtime, servers_file: Path, now: Mapping[str, str]) -> list[str]:
    """Re-bind tenants from where the demo servers listened last time (``servers_file``) to ``now``.

    Returns the ids of the tenants moved, and remembers ``now`` for the next start.
    """
    before = read_strings(servers_file)
    moved = {before[name].rstrip("/"): url for name, url in now.items() if before.get(name, url) != url}
    changed = []
    if moved:
        for tenant in runtime.tenants.list():
            rebound = _rebound(tenant, moved)
            if rebound is not None:
                runtime.tenants.put(rebound)
                changed.append(tenant.tenant_id)
    servers_file.parent.mkdir(parents=True, exist_ok=True)
    servers_file.write_text(json.dumps(dict(now), indent=2) + "\n")
    return changed


def _rebound(tenant: Tenant, moved: Mapping[str, str]) -> Tenant | None:
    update: dict[str, object] = {}
    if tenant.odoo is not None and (url := moved.get(str(tenant.odoo.url).rstrip("/"))):
        update["odoo"] = {"url": url, "db": tenant.odoo.db}
    if tenant.projects_url is not None and (url := moved.get(str(tenant.projects_url).rstrip("/"))):
        update["projects_url"] = url
    if not update:
        return None
    return Tenant.model_validate(tenant.model_dump() | update)
