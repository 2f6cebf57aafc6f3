"""The options that set a tenant's rate limits and budgets, and turning them into its ``limits``."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation
from typing import Any

from agent_core.keys import checked_id
from agent_core.tenancy import Tenant, TenantLimits
from agentctl.errors import UsageError

INHERIT = "inherit"
_DEFAULTS = TenantLimits()
# Where a field of the tenant's limits comes from on the command line, for validation messages.
OPTION_OF = {
    "limits.turns_per_minute": "--turns-per-minute",
    "limits.tool_calls_per_second": "--tool-calls-per-second",
    "limits.daily_budget_usd": "--daily-budget",
    "limits.monthly_budget_usd": "--monthly-budget",
}


def add_limit_options(parser: argparse.ArgumentParser, *, update: bool) -> None:
    """``--turns-per-minute``, ``--tool-calls-per-second``, ``--tool-rate``, the budgets (and, on
    update, removing a budget)."""
    group = parser.add_argument_group("limits and budgets (enforced across every instance)")
    group.add_argument(
        "--turns-per-minute",
        type=int,
        metavar="N",
        help=f"new turns a minute, over which the API answers 429 (default {_DEFAULTS.turns_per_minute})",
    )
    group.add_argument(
        "--tool-calls-per-second",
        type=int,
        metavar="N",
        help="calls a second of each tool, over which the model is told to wait "
        f"(default {_DEFAULTS.tool_calls_per_second})",
    )
    merged = f"; merged into the current ones, N {INHERIT} drops one" if update else ""
    group.add_argument(
        "--tool-rate",
        metavar="TOOL=N,…",
        help=f"calls a second of one tool, instead of --tool-calls-per-second{merged}",
    )
    for period in ("daily", "monthly"):
        group.add_argument(
            f"--{period}-budget",
            metavar="USD",
            help=f"{period} spend on models (UTC), past which new turns are a 429 (default: none)",
        )
        if update:
            group.add_argument(
                f"--no-{period}-budget", action="store_true", help=f"remove the {period} budget"
            )


def limit_changes(options: argparse.Namespace, current: Tenant | None) -> dict[str, Any] | None:
    """The tenant's ``limits`` as the options change them, or None if they change nothing."""
    limits: dict[str, Any] = (current.limits if current else _DEFAULTS).model_dump(mode="json")
    changed = False
    for name in ("turns_per_minute", "tool_calls_per_second"):
        if getattr(options, name) is not None:
            limits[name], changed = getattr(options, name), True
    if options.tool_rate is not None:
        limits["tool_calls_per_second_by_tool"] = _tool_rates(options.tool_rate, limits, current)
        changed = True
    for period in ("daily", "monthly"):
        value, remove = getattr(options, f"{period}_budget"), getattr(options, f"no_{period}_budget", False)
        if value is not None and remove:
            raise UsageError(f"--no-{period}-budget cannot go with --{period}-budget")
        if value is not None or remove:
            limits[f"{period}_budget_usd"], changed = (
                None if remove else _usd(f"--{period}-budget", value),
                True,
            )
    return limits if changed else None


def describe_limits(limits: TenantLimits) -> list[tuple[str, str]]:
    """The tenant's limits and budgets as ``describe`` lines."""
    per_tool = "".join(f", {tool}={n}" for tool, n in sorted(limits.tool_calls_per_second_by_tool.items()))
    budgets = [
        f"${amount} {period}"
        for amount, period in ((limits.daily_budget_usd, "a day"), (limits.monthly_budget_usd, "a month"))
        if amount is not None
    ]
    return [
        ("turns", f"{limits.turns_per_minute} a minute"),
        ("tool calls", f"{limits.tool_calls_per_second} a second of each tool{per_tool}"),
        ("budgets", ", ".join(budgets) or "(none)"),
    ]


def _tool_rates(value: str, limits: dict[str, Any], current: Tenant | None) -> dict[str, int]:
    rates: dict[str, int] = dict(limits["tool_calls_per_second_by_tool"])
    for entry in filter(None, (part.strip() for part in value.split(","))):
        tool, sep, number = (part.strip() for part in entry.partition("="))
        if sep and number == INHERIT and current is not None:
            rates.pop(checked_id(tool, "tool"), None)
        elif sep and number.isdigit() and int(number) > 0:
            rates[checked_id(tool, "tool")] = int(number)
        else:
            dropped = f", or {INHERIT} to drop one" if current is not None else ""
            raise UsageError(
                f"--tool-rate wants TOOL=N with N a whole number above 0{dropped}, not {entry!r}"
            )
    return rates


def _usd(flag: str, value: str) -> str:
    try:
        amount = Decimal(value.strip().removeprefix("$"))
    except InvalidOperation:
        raise UsageError(f"{flag} wants an amount in USD, like 25 or 12.50, not {value!r}") from None
    return str(amount)
