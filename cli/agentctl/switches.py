"""``agentctl switch off|on|list|history``: the kill switches, and who flipped which one when, and why.

A switch stops every tenant (``--global``, never implied), one tenant, one agent of it, or a tool
(of one agent, with both). Running functions obey a flip within their switch cache (5 s by
default): no new turn (503 ``agents_disabled``), a run in flight stops before its next model
request, a switched-off tool is refused.
"""

from __future__ import annotations

import argparse
import getpass

from botocore.exceptions import BotoCoreError, ClientError

from agent_core.agents.registry import default_agents
from agent_core.clock import utc_now
from agent_core.keys import checked_id
from agent_core.store.switches import Switch, SwitchTarget
from agentctl.console import table
from agentctl.context import Context
from agentctl.errors import UsageError

_EXAMPLES = {
    "off": "examples: %(prog)s --tenant acme --agent finance --reason 'Odoo outage, INC-42'\n"
    "          %(prog)s --global --reason 'model provider incident'",
    "on": "examples: %(prog)s --tenant acme --agent finance\n          %(prog)s --global",
}
OBEYED = "Running functions obey within their switch cache (SWITCH_CACHE_SECONDS, 5 s by default)."


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``switch`` and its actions to the command line."""
    switch = commands.add_parser(
        "switch", help="turn agents off and on again: every tenant, a tenant, an agent, a tool"
    )
    actions = switch.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, off in (("off", True), ("on", False)):
        flip = actions.add_parser(
            action,
            parents=common,
            help=f"turn a switch {action}",
            description=f"Turn agents {action}: every tenant (--global) or one (--tenant), optionally only "
            f"one agent (--agent) or one tool (--tool, of one agent with --agent). {OBEYED}",
            epilog=_EXAMPLES[action],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _add_scope(flip, required=True)
        flip.add_argument("--agent", metavar="AGENT_ID", help="only this agent")
        flip.add_argument("--tool", metavar="TOOL", help="only this tool (of every agent, or of --agent)")
        flip.add_argument(
            "--reason", required=off, help="why (kept with the switch and in its history)" if off else "why"
        )
        flip.add_argument(
            "--by",
            metavar="WHO",
            help="who flips it (default: your AWS identity; on the local stack, your OS user)",
        )
        flip.set_defaults(handler=flip_switch, off=off)

    listing = actions.add_parser(
        "list",
        parents=common,
        help="the switches, off and on, with who flipped each one last",
        description="List the global switches and every tenant's (or, with --tenant, the ones that apply "
        "to that tenant): what each stops, its state, who flipped it, when and why.",
    )
    listing.add_argument("--tenant", metavar="TENANT_ID", help="only the switches that apply to this tenant")
    listing.set_defaults(handler=list_switches)

    history = actions.add_parser(
        "history",
        parents=common,
        help="every flip of the global switches or of one tenant's, newest first",
        description="Every flip of one scope's switches, newest first: what, on or off, who, when, why.",
    )
    _add_scope(history, required=True)
    history.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default: 20)")
    history.set_defaults(handler=show_history)


def _add_scope(parser: argparse.ArgumentParser, *, required: bool) -> None:
    # Every tenant at once is never a default: an operator says --global.
    scope = parser.add_mutually_exclusive_group(required=required)
    scope.add_argument("--global", dest="all_tenants", action="store_true", help="every tenant")
    scope.add_argument("--tenant", metavar="TENANT_ID", help="one tenant")


def flip_switch(options: argparse.Namespace, ctx: Context) -> None:
    target = SwitchTarget(
        tenant_id=_checked(options.tenant, "tenant_id"),
        agent_id=_checked(options.agent, "agent id"),
        tool=_checked(options.tool, "tool"),
    )
    if target.tenant_id is not None:
        ctx.tenant(target.tenant_id)  # one line if there is no such tenant
    _warn_about_names(ctx, target)
    reason = (options.reason or "").strip()
    if options.off and not reason:
        raise UsageError("--reason cannot be empty: say why, for whoever turns it on again")
    by = options.by.strip() if options.by and options.by.strip() else operator(ctx)
    switch = ctx.switches.flip(target, off=options.off, by=by, reason=reason, now=utc_now())
    state = "off" if switch.off else "on"
    ctx.console.result(
        switch.model_dump(mode="json"),
        f"Switched {state}: {target.describe()} (by {by} at {switch.at}).\n{OBEYED}",
    )


def list_switches(options: argparse.Namespace, ctx: Context) -> None:
    if options.tenant is not None:
        tenant = ctx.tenant(checked_id(options.tenant, "tenant_id"))
        scopes: list[str | None] = [None, tenant.tenant_id]
    else:
        scopes = [None, *sorted(t.tenant_id for t in ctx.tenants.list())]
    switches = ctx.switches.listed(scopes)
    off = sum(s.off for s in switches)
    text = f"{_table(switches)}\n\n{off} off." if switches else "No switch has ever been flipped: all on."
    ctx.console.result([s.model_dump(mode="json") for s in switches], text)


def show_history(options: argparse.Namespace, ctx: Context) -> None:
    if options.limit < 1:
        raise UsageError("--limit must be at least 1")
    tenant_id = _checked(options.tenant, "tenant_id")
    flips = ctx.switches.log(tenant_id, limit=options.limit)
    where = f"tenant {tenant_id}" if tenant_id else "the global switches"
    text = _table(flips) if flips else f"No flips of {where} yet."
    ctx.console.result([s.model_dump(mode="json") for s in flips], text)


def operator(ctx: Context) -> str:
    """Who is flipping: the AWS identity behind the credentials, or on the local stack, where any
    credentials do, the OS user. GetCallerIdentity needs no permission and cannot be denied
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)."""
    if not ctx.target.local:
        try:
            arn: str = ctx.target.aws.client("sts").get_caller_identity()["Arn"]
        except (BotoCoreError, ClientError, KeyError):
            pass
        else:
            return arn
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def _table(switches: list[Switch]) -> str:
    rows = [(s.describe(), "off" if s.off else "on", s.by, s.at, s.reason or "-") for s in switches]
    return table(("SWITCH", "STATE", "BY", "WHEN", "REASON"), rows)


def _checked(value: str | None, kind: str) -> str | None:
    return None if value is None else checked_id(value, kind)


def _warn_about_names(ctx: Context, target: SwitchTarget) -> None:
    agents = default_agents()
    known_agents = [agent.id for agent in agents]
    if target.agent_id is not None and target.agent_id not in known_agents:
        ctx.console.warn(
            f"agent {target.agent_id} is not one this runtime defines ({', '.join(known_agents)})"
        )
    if target.tool is not None:
        offered = {name for agent in agents for name in agent.tools.names}
        if target.tool not in offered:
            ctx.console.warn(f"no agent of this runtime has a tool {target.tool}")
