"""The ``agentctl`` command line: global options and every command's parser."""

from __future__ import annotations

import argparse

from agentctl import endusers, export, keys, secrets, show_target, switches, tenants
from agentctl.stacks import STACK_FILE_VARIABLE

DESCRIPTION = """\
Operate an agent-runtime stack: tenants, their API keys and their credentials, the kill switches,
the audit export.
The same commands act on the local stack (--local, from `make dev`) and on a deployed one
(--stack NAME); `%(prog)s target` shows which one a command would use."""


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (``--json`` and the target)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for machines"
    )
    add_target_options(common)
    return common


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose a stack; defaults suppressed so they work before or after the command."""
    group = parser.add_argument_group("target (which stack; the `target` command shows it)")
    suppressed = argparse.SUPPRESS
    group.add_argument(
        "--local",
        action="store_true",
        default=suppressed,
        help="the `make dev` stack, from .local/stack.json",
    )
    group.add_argument(
        "--stack-file",
        metavar="PATH",
        default=suppressed,
        help=f"the local stack's file (implies --local; env {STACK_FILE_VARIABLE})",
    )
    group.add_argument(
        "--stack", metavar="NAME", default=suppressed, help="a deployed stack, by its CloudFormation outputs"
    )
    group.add_argument(
        "--table", metavar="NAME", default=suppressed, help="the DynamoDB table (env TABLE_NAME)"
    )
    group.add_argument(
        "--region", metavar="REGION", default=suppressed, help="the AWS region (env AWS_REGION)"
    )
    group.add_argument(
        "--endpoint-url", metavar="URL", default=suppressed, help="an AWS endpoint (env AWS_ENDPOINT_URL)"
    )
    group.add_argument(
        "--secrets-prefix",
        metavar="PREFIX",
        default=suppressed,
        help="prefix of the secret names (env SECRETS_PREFIX)",
    )


def build_parser(prog: str = "agentctl") -> argparse.ArgumentParser:
    """``agentctl`` with its commands: tenant, key, secret, switch, enduser, target; ``prog`` is how it
    was started."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 done, 1 failed, 2 wrong command line",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (tenants, keys, secrets, switches, endusers, export, show_target):
        module.register(commands, [common])
    return parser
