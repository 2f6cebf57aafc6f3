"""The run context a tool gets during a turn, for tests that call tools directly."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from agent_core import Caller, RunContext, Runtime, Scope, Settings, Tenant, ToolServices
from agent_core.tools.web import WebRules


def tool_services(settings: Settings | None = None, *, web_rules: WebRules | None = None) -> ToolServices:
    """What a runtime on ``settings`` gives its tools; with ``web_rules`` instead of the settings' own."""
    services = Runtime(settings or Settings()).tool_services
    return replace(services, web_rules=web_rules) if web_rules else services


def run_context(
    tenant: Tenant | None = None,
    *,
    agent_id: str = "general",
    secret: dict[str, Any] | None = None,
    services: ToolServices | None = None,
    caller_id: str | None = None,
    scopes: tuple[Scope, ...] = ("chat", "chat:write"),
) -> RunContext:
    """A turn of ``tenant`` (default: acme) with ``secret`` as its credentials, for a caller whose
    key has ``scopes`` (by default it may run writes, so that the tenant's write mode decides)."""
    tenant = tenant or Tenant(tenant_id="acme", name="Acme Corporation")
    credentials = dict(secret or {})
    return RunContext(
        caller=Caller(
            tenant_id=tenant.tenant_id,
            caller_id=caller_id or f"{tenant.tenant_id}-user",
            key_id="key_1",
            scopes=scopes,
        ),
        tenant=tenant,
        run_id="run_1",
        session_id="ses_1",
        agent_id=agent_id,
        load_tenant_secret=lambda: dict(credentials),
        services=services or tool_services(),
    )
