"""Demo tenants for the local stack: acme and globex, bound to the demo ERP and project API."""

from __future__ import annotations

import json
from pathlib import Path

from agent_core import Runtime, Tenant, hash_api_key, issue_api_key
from local.erp import credentials
from local.projects_api import token_for
from local.state import read_strings

ALL_AGENTS = ("general", "finance", "warehouse", "marketing", "sales", "projects")
# A developer's key may try everything a tenant's user can: chat, writes once turned live, the audit.
DEMO_SCOPES = ("chat", "chat:write", "audit:read")
DEMO_TENANTS = (
    Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise", enabled_agents=ALL_AGENTS),
    Tenant(tenant_id="globex", name="Globex Corporation", plan="growth", enabled_agents=ALL_AGENTS),
)


def seed(runtime: Runtime, keys_file: Path, *, erp_url: str, projects_url: str) -> dict[str, str]:
    """Make sure the demo tenants exist and ``keys_file`` holds a working key for each.

    Only what is missing is written: a tenant an operator changed stays as it is, and a key in
    ``keys_file`` that still authenticates is kept, so the keys stay the same across restarts.
    A new tenant is bound to its own ERP database and gets its credentials. The file is
    ``{"acme": key, "globex": key}``, mode 600.
    """
    keys = read_strings(keys_file)
    issued = {}
    for template in DEMO_TENANTS:
        tenant_id = template.tenant_id
        if runtime.tenants.get(tenant_id) is None:
            binding = {"odoo": {"url": erp_url, "db": tenant_id}, "projects_url": projects_url}
            runtime.tenants.put(Tenant.model_validate(template.model_dump() | binding))
            login, api_key = credentials(tenant_id)
            runtime.secrets.put_tenant_secret(
                tenant_id,
                {"odoo_login": login, "odoo_api_key": api_key, "projects_token": token_for(tenant_id)},
            )
        key = keys.get(tenant_id)
        if key is None or not _works(runtime, key, tenant_id):
            key, _ = issue_api_key(
                runtime.api_keys, tenant_id, caller_id=f"{tenant_id}-developer", scopes=DEMO_SCOPES
            )
        issued[tenant_id] = key
    if issued != keys:
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.write_text(json.dumps(issued, indent=2) + "\n")
    keys_file.chmod(0o600)
    return issued


def _works(runtime: Runtime, key: str, tenant_id: str) -> bool:
    record = runtime.api_keys.get(hash_api_key(key))
    return record is not None and record.active and record.tenant_id == tenant_id
