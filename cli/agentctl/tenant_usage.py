"""``agentctl tenant usage``: what a tenant's model requests cost today and this month (UTC)."""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from typing import Any

from agent_core import keys
from agent_core.limits.windows import Moment
from agent_core.llm.prices import NANOS_PER_USD
from agentctl.console import table
from agentctl.context import Context

_TOKENS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")


def register_usage(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    usage = actions.add_parser(
        "usage",
        parents=common,
        help="a tenant's spend today and this month, against its budgets",
        description="Show what a tenant's model requests cost today and this month (UTC), priced by "
        "the runtime's price table, and its tokens of each kind. Counted by every instance; the last "
        "second or so of a busy tenant may not be written yet.",
    )
    usage.add_argument("tenant_id")
    usage.set_defaults(handler=show_usage)


def show_usage(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(keys.checked_id(options.tenant_id, "tenant_id"))
    now = Moment.of(time.time())
    days = [keys.spend_pk(tenant.tenant_id, day) for day in now.days_of_month()]
    counts = ctx.runtime.counters.read(days)
    periods = {
        "today": counts[days[-1]],
        "month": {name: sum(day.get(name, 0) for day in counts.values()) for name in ("usd_nanos", *_TOKENS)},
    }
    budgets = {"today": tenant.limits.daily_budget_usd, "month": tenant.limits.monthly_budget_usd}
    data: dict[str, Any] = {"tenant_id": tenant.tenant_id, "as_of": f"{now.at:%Y-%m-%dT%H:%M:%SZ}"}
    for period, spent in periods.items():
        budget = budgets[period]
        data[period] = {
            "usd": _usd(spent.get("usd_nanos", 0)),
            "budget_usd": None if budget is None else str(budget),
            **{name: spent.get(name, 0) for name in _TOKENS},
        }
    rows = [
        (
            f"{period} ({now.at:%Y-%m-%d})" if period == "today" else f"{period} ({now.at:%Y-%m})",
            f"${Decimal(data[period]['usd']):.4f}",
            f"${budgets[period]}" if budgets[period] is not None else "-",
            *(f"{data[period][name]:,}" for name in _TOKENS),
        )
        for period in periods
    ]
    headers = ("PERIOD", "SPENT", "BUDGET", "INPUT", "CACHE WRITE", "CACHE READ", "OUTPUT")
    ctx.console.result(data, table(headers, rows))


def _usd(nanos: int) -> str:
    return str(Decimal(nanos) / NANOS_PER_USD)
