"""``agentctl enduser erase``: a privacy request — erase what one end user of a tenant said and was
told, and say what was kept and why."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from agent_core.clock import utc_now
from agent_core.erasure import erase_end_user
from agent_core.keys import checked_id
from agentctl.context import Context

KEPT = (
    "Kept: each run's record without its words (agent, tools, outcomes, timings, usage: the tenant's "
    "record of what ran and what it cost), and the {calls} tool call(s) in the audit trail (tools and "
    "arguments, secrets redacted), the tenant's compliance record, until the audit retention ends it."
)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``enduser`` and its actions to the command line."""
    enduser = commands.add_parser("enduser", help="act on one end user's data (privacy requests)")
    actions = enduser.add_subparsers(dest="action", required=True, metavar="ACTION")
    erase = actions.add_parser(
        "erase",
        parents=common,
        help="erase one end user's sessions and the words of their runs",
        description="Erase every session of one end user of a tenant (messages, meta, waiting writes), "
        "whichever of the tenant's keys acted for them, and empty their runs of what was said "
        "(replies, tool inputs and outputs, error texts). Says what it kept, and why.",
        epilog="example: %(prog)s --tenant initech --end-user u-123",
    )
    erase.add_argument("--tenant", required=True, metavar="TENANT_ID")
    erase.add_argument("--end-user", required=True, metavar="END_USER_ID", help="as sent in X-End-User-Id")
    erase.set_defaults(handler=erase_command)


def erase_command(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant, "tenant_id"))
    end_user_id = checked_id(options.end_user, "end user id")
    runtime = ctx.runtime
    done = erase_end_user(
        api_keys=runtime.api_keys,
        memory=runtime.memory,
        runs=runtime.runs,
        tenant_id=tenant.tenant_id,
        end_user_id=end_user_id,
        now=utc_now(),
    )
    text = (
        f"Erased {done.sessions_erased} session(s) of end user {end_user_id} of tenant {tenant.tenant_id} "
        f"({done.items_erased} item(s)) and emptied {done.runs_emptied} run(s) of their words.\n"
        + KEPT.format(calls=done.tool_calls_kept)
    )
    if done.sessions_busy:
        again = ctx.suggest(f"enduser erase --tenant {tenant.tenant_id} --end-user {end_user_id}")
        text += (
            f"\nNot erased: {', '.join(done.sessions_busy)} (a turn is running in it, and its run);"
            f" once it has ended, run again: {again}"
        )
    ctx.console.result(asdict(done) | {"tenant_id": tenant.tenant_id, "end_user_id": end_user_id}, text)
