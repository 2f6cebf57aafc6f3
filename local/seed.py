"""Demo tenants for the local stack: acme and globex, each with an API key."""

from __future__ import annotations

import json
from pathlib import Path

from agent_core import Runtime, Tenant, issue_api_key

DEMO_TENANTS = (
    Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise", enabled_agents=("general",)),
    Tenant(tenant_id="globex", name="Globex Corporation", plan="growth", enabled_agents=("general",)),
)


def seed(runtime: Runtime, keys_file: Path) -> dict[str, str]:
    """Write the demo tenants, issue one key each, and save ``{"acme": key, "globex": key}``."""
    issued = {}
    for tenant in DEMO_TENANTS:
        runtime.tenants.put(tenant)
        key, _ = issue_api_key(runtime.api_keys, tenant.tenant_id, caller_id=f"{tenant.tenant_id}-developer")
        issued[tenant.tenant_id] = key
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    keys_file.write_text(json.dumps(issued, indent=2) + "\n")
    keys_file.chmod(0o600)
    return issued
