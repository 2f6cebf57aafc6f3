"""``agentctl tenant create|show|update|list|usage``: the tenant records."""

from __future__ import annotations

import argparse
from typing import Any

from agent_core.agents.registry import default_agents
from agent_core.clock import iso, utc_now
from agent_core.keys import checked_id
from agent_core.tenancy import Tenant
from agentctl.console import fields, table
from agentctl.context import Context
from agentctl.errors import CommandError, UsageError
from agentctl.limit_options import describe_limits
from agentctl.tenant_options import add_tenant_options, build_tenant, tenant_changes
from agentctl.tenant_usage import register_usage


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``tenant`` and its actions to the command line."""
    tenant = commands.add_parser("tenant", help="create, show, update and list tenants")
    actions = tenant.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        parents=common,
        help="create a tenant (refused if it exists)",
        description="Create a tenant. Writes start in shadow mode; the agents default to general.",
        epilog="example: %(prog)s initech --name Initech --agents general",
    )
    create.add_argument("tenant_id", help="1-64 of letters, digits, '_', '.', '-'")
    add_tenant_options(create, update=False)
    create.set_defaults(handler=create_tenant)

    show = actions.add_parser("show", parents=common, help="show one tenant", description="Show one tenant.")
    show.add_argument("tenant_id")
    show.set_defaults(handler=show_tenant)

    update = actions.add_parser(
        "update",
        parents=common,
        help="change some fields of a tenant",
        description="Change a tenant: only the options given change. --no-odoo, --no-projects and "
        "--no-model unbind. Running functions see the change within their tenant cache (60 s by default).",
    )
    update.add_argument("tenant_id")
    add_tenant_options(update, update=True)
    update.set_defaults(handler=update_tenant)

    listing = actions.add_parser(
        "list", parents=common, help="list every tenant", description="List every tenant."
    )
    listing.set_defaults(handler=list_tenants)
    register_usage(actions, common)


def create_tenant(options: argparse.Namespace, ctx: Context) -> None:
    tenant_id = checked_id(options.tenant_id, "tenant_id")
    data: dict[str, Any] = {"tenant_id": tenant_id, "created_at": iso(utc_now())}
    tenant = build_tenant(data | tenant_changes(options, None))
    _warn_about_agents(ctx, tenant)
    if not ctx.tenants.create(tenant):
        raise CommandError(f"tenant {tenant_id} already exists in {ctx.target.where()}: use `tenant update`")
    ctx.console.result(
        _as_data(tenant),
        f"Created tenant {tenant_id}.\n{describe(tenant)}\n\n"
        f"Next:\n  {ctx.suggest(f'key create {tenant_id} --caller <who>')}\n"
        f"  {ctx.suggest(f'secret set {tenant_id}')}",
    )


def show_tenant(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    ctx.console.result(_as_data(tenant), describe(tenant))


def update_tenant(options: argparse.Namespace, ctx: Context) -> None:
    current = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    changes = tenant_changes(options, current)
    if not changes:
        raise UsageError(
            f"nothing to change: give at least one option (see `{ctx.suggest('tenant update --help')}`)"
        )
    tenant = build_tenant(current.model_dump(mode="json") | changes)
    _warn_about_agents(ctx, tenant)
    ctx.tenants.put(tenant)
    ctx.console.result(_as_data(tenant), f"Updated tenant {tenant.tenant_id}.\n{describe(tenant)}")


def list_tenants(options: argparse.Namespace, ctx: Context) -> None:
    tenants = sorted(ctx.tenants.list(), key=lambda t: t.tenant_id)
    rows = [(t.tenant_id, t.name, t.plan, ",".join(t.enabled_agents), _writes(t)) for t in tenants]
    text = table(("TENANT", "NAME", "PLAN", "AGENTS", "WRITES"), rows) if rows else "No tenants yet."
    ctx.console.result([_as_data(t) for t in tenants], text)


def describe(tenant: Tenant) -> str:
    """A tenant as aligned ``field  value`` lines."""
    odoo = f"{tenant.odoo.url} (db {tenant.odoo.db})" if tenant.odoo else "(not bound)"
    binding = tenant.odoo
    odoo_context = (
        [
            ("odoo companies", ", ".join(map(str, binding.companies)) or "(all of the Odoo user's)"),
            ("odoo lang", binding.lang or "(the Odoo user's)"),
            ("odoo tz", binding.tz or "(the Odoo user's)"),
        ]
        if binding
        else []
    )
    return fields(
        [
            ("tenant", tenant.tenant_id),
            ("name", tenant.name),
            ("plan", tenant.plan),
            ("agents", ", ".join(tenant.enabled_agents)),
            ("model", tenant.model or "(the platform's)"),
            ("odoo", odoo),
            *odoo_context,
            ("projects", str(tenant.projects_url) if tenant.projects_url else "(not bound)"),
            ("writes", _writes(tenant)),
            ("thinking", _thinking(tenant)),
            ("breaker", tenant.breaker),
            *describe_limits(tenant.limits),
            ("created", tenant.created_at or "-"),
        ]
    )


def _writes(tenant: Tenant) -> str:
    overrides = "".join(f", {agent}={mode}" for agent, mode in sorted(tenant.agent_writes.items()))
    return tenant.writes + overrides


def _thinking(tenant: Tenant) -> str:
    choices = [
        f"{agent}={'/'.join(filter(None, (override.mode, override.effort)))}"
        for agent, override in sorted(tenant.agent_thinking.items())
    ]
    return ", ".join(choices) or "(each agent's own)"


def _as_data(tenant: Tenant) -> dict[str, Any]:
    return tenant.model_dump(mode="json")


def _warn_about_agents(ctx: Context, tenant: Tenant) -> None:
    known = [agent.id for agent in default_agents()]
    for agent_id in tenant.enabled_agents:
        if agent_id not in known:
            ctx.console.warn(f"agent {agent_id} is not one this runtime defines ({', '.join(known)})")
    for flag, named in (("--agent-writes", tenant.agent_writes), ("--agent-thinking", tenant.agent_thinking)):
        for agent_id in named:
            if agent_id not in tenant.enabled_agents:
                ctx.console.warn(f"{flag} names {agent_id}, which the tenant may not use")
