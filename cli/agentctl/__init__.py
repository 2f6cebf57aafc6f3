"""``agentctl``: the operators' console for tenants, API keys and tenant credentials.

``main`` is the console script (``agentctl = "agentctl:main"``); ``python -m agentctl``
runs the same. Exit codes: 0 done, 1 the command failed, 2 the command line is wrong.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from agent_core.errors import InvalidId, StorageUnavailable
from agentctl.console import Console
from agentctl.context import Context
from agentctl.errors import CommandError, aws_failure
from agentctl.hints import program
from agentctl.parser import build_parser

__all__ = ["main"]


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Run one ``agentctl`` command; return its exit code. Expected failures print one line on stderr."""
    environ = os.environ if environ is None else environ
    parser = build_parser(program(environ))
    try:
        options = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage error (already printed)
        return exc.code if isinstance(exc.code, int) else 2
    console = Console(out=sys.stdout, err=sys.stderr, as_json=getattr(options, "json", False))
    ctx = Context(options, console, environ, cwd or Path.cwd(), prog=parser.prog)
    try:
        options.handler(options, ctx)
    except CommandError as exc:
        console.error(str(exc))
        return exc.exit_code
    except InvalidId as exc:
        console.error(exc.message)
        return 2
    except (StorageUnavailable, ClientError, BotoCoreError) as exc:
        target = ctx.resolved_target()
        where = target.where() if target else "AWS"
        local = bool(target and target.local)
        console.error(aws_failure(exc, where=where, local=local, check=ctx.suggest("target")))
        return 1
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130
    return 0
