"""Which Odoo tools can work for a tenant: the binding's capabilities, probed and cached.

A turn asks :func:`unavailable_tools` for the tools it would offer: warm, it is answered from the
process's cache (no call to Odoo, and the tenant's secret comes from the secrets cache); cold,
the binding is probed once (``common.version``, then one rights check per model the
tools read, at once) within :data:`PROBE_SECONDS`. Warm means known for the tenant's binding (its
server and database): the secret is read only to probe. An Odoo that does not answer hides no tool: each
call then tells its own failure, and the failed probe is tried again after a short while.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent_core.errors import AgentRuntimeError, ToolError
from agent_core.tenancy import Tenant
from agent_core.tools.odoo.capabilities import PROBED_MODELS, Capabilities, is_odoo_tool, major_of
from agent_core.tools.odoo.client import OdooClient
from agent_core.tools.odoo.connection import OdooConnection, checked_binding, connection_of
from agent_core.tools.odoo.failures import MISSING_MODEL
from agent_core.tools.services import ToolServices

if TYPE_CHECKING:
    from agent_core.agents.agent import Agent

PROBE_SECONDS = 5.0  # the longest a turn waits for a cold probe


@dataclass(frozen=True)
class Offer:
    """The tools that cannot work for this tenant and why (``unavailable``); ``note`` says why
    nothing could be checked (Odoo did not answer), if so."""

    unavailable: dict[str, str] = field(default_factory=dict)
    note: str | None = None


async def _probed(services: ToolServices, connection: OdooConnection, within: float) -> Capabilities:
    """The probe's finding, or why it could not finish within ``within`` seconds."""
    client = OdooClient(services.http, connection, services.odoo_uids, services.odoo_capabilities)
    try:
        async with asyncio.timeout(within):
            return await probe(client)
    except TimeoutError:
        return Capabilities(failure=f"the Odoo server at {connection.where} did not answer in time")
    except ToolError as exc:
        return Capabilities(failure=exc.message)


def uses_odoo(agent: Agent) -> bool:
    """Whether any of ``agent``'s tools reads the tenant's Odoo."""
    return any(is_odoo_tool(tool.name) for tool in agent.tools)


async def probe(client: OdooClient, models: Iterable[str] = PROBED_MODELS) -> Capabilities:
    """The server's version, and which of ``models`` it lacks or its user may not read."""
    answer = await client.version()
    version = str(answer.get("server_serie") or answer.get("server_version") or "") or None
    await client.authenticate()  # once, before the checks run side by side
    models = list(models)
    major = major_of(version)
    readable = await asyncio.gather(*(_readable(client, model, major) for model in models))
    return Capabilities(
        version=version,
        missing=frozenset(m for m, ok in zip(models, readable, strict=True) if ok is None),
        denied=frozenset(m for m, ok in zip(models, readable, strict=True) if ok is False),
    )


async def _readable(client: OdooClient, model: str, major: int | None) -> bool | None:
    """True, False (no read right), or None (no such model: its app is not installed)."""
    try:
        return await client.can_read(model, major)
    except ToolError as exc:
        if exc.code == MISSING_MODEL:
            return None
        raise


async def unavailable_tools(
    services: ToolServices,
    tenant: Tenant,
    load_secret: Callable[[], dict[str, Any]],
    tools: Iterable[str],
    *,
    within: float = PROBE_SECONDS,
) -> Offer:
    """Which of ``tools`` cannot work for ``tenant``'s Odoo, and why (only Odoo tools are checked).

    A tenant without an Odoo binding is not checked here: its Odoo tools say so when called.
    """
    odoo_tools = [name for name in tools if is_odoo_tool(name)]
    if tenant.odoo is None or not odoo_tools:
        return Offer()
    cache = services.odoo_capabilities
    binding = (tenant.tenant_id, str(tenant.odoo.url), tenant.odoo.db)
    capabilities = cache.recall(binding)
    if capabilities is None:
        try:
            connection = connection_of(checked_binding(tenant.odoo), await asyncio.to_thread(load_secret))
        except AgentRuntimeError as exc:  # no credentials, an http URL, the secret unreadable
            return Offer(note=f"Odoo tools were not checked: {exc.message}")
        capabilities = cache.get(connection.cache_key)
        if capabilities is None:
            capabilities = await _probed(services, connection, within)
            cache.put(connection.cache_key, capabilities)
        cache.link(binding, connection.cache_key)
    if capabilities.failure is not None:
        return Offer(note=f"Odoo tools could not be checked ({capabilities.failure}); they are offered as is")
    reasons = {name: why for name in odoo_tools if (why := capabilities.why_not(name)) is not None}
    return Offer(unavailable=reasons)
