"""The command lines ``agentctl`` suggests, written to be pasted as they are.

A suggestion starts with the program as the operator runs it (``./agentctl`` from a checkout, whose
script sets ``AGENTCTL_PROG``; ``agentctl`` when installed) and repeats the target options they
gave, so the next command acts on the same stack as the one that printed it.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping

PROG_VARIABLE = "AGENTCTL_PROG"
# Every option that chooses the target (see parser.add_target_options), in the order they print.
_TARGET_OPTIONS = (
    ("local", "--local"),
    ("stack_file", "--stack-file"),
    ("stack", "--stack"),
    ("table", "--table"),
    ("region", "--region"),
    ("endpoint_url", "--endpoint-url"),
    ("secrets_prefix", "--secrets-prefix"),
)


def program(environ: Mapping[str, str]) -> str:
    """How the operator started agentctl."""
    return environ.get(PROG_VARIABLE) or "agentctl"


def target_arguments(options: argparse.Namespace) -> list[str]:
    """The target options given on this command line (their defaults are suppressed: given = present)."""
    arguments: list[str] = []
    for dest, flag in _TARGET_OPTIONS:
        value = getattr(options, dest, None)
        if value is True:
            arguments.append(flag)
        elif isinstance(value, str) and value:
            arguments += [flag, value]
    return arguments


def suggest(prog: str, options: argparse.Namespace, command: str) -> str:
    """``prog``, the target options, then ``command`` (kept as written: it may hold ``<placeholders>``)."""
    return " ".join([shlex.quote(prog), *(shlex.quote(a) for a in target_arguments(options)), command])
