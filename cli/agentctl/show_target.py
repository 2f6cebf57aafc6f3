"""``agentctl target``: which stack the other commands would act on, and why."""

from __future__ import annotations

import argparse

from agentctl.console import fields
from agentctl.context import Context
from agentctl.target import FIELDS


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``target`` to the command line."""
    target = commands.add_parser(
        "target",
        parents=common,
        help="show the stack commands act on",
        description="Show the resolved target and where each part came from. Precedence: a flag "
        "(--table, --region, --endpoint-url, --secrets-prefix), then the stack named by --local "
        "(.local/stack.json, written by `make dev`) or --stack (its CloudFormation outputs), then the "
        "environment (TABLE_NAME, AWS_REGION, AWS_ENDPOINT_URL, SECRETS_PREFIX).",
    )
    target.set_defaults(handler=show_target)


def show_target(options: argparse.Namespace, ctx: Context) -> None:
    target = ctx.target
    rows = [
        (name, f"{value}  ({target.sources[name]})" if (value := getattr(target, name)) else "-")
        for name in FIELDS
    ]
    ctx.console.result(target.as_dict(), fields(rows))
