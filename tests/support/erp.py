"""The demo ERP for tests: one server per session, its seeded data, and run contexts bound to it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from agent_core import OdooBinding, RunContext, Tenant, Tool, ToolServices
from local.erp import DEFAULT_SEED, Dataset, Record, RunningErp, credentials, dataset
from tests.support.context import run_context as context_for

# The day the demo data is anchored to; the tools read "today" from the clock (UTC) as well.
TODAY = datetime.now(UTC).date()
NAMES = {"acme": "Acme Corporation", "globex": "Globex Corporation"}


@cache
def seeded(db: str, seed: int = DEFAULT_SEED) -> Dataset:
    """The records the demo ERP serves for ``db``: what tests compute their expected values from."""
    return dataset(db, seed, TODAY)


def odoo_tenant(tenant_id: str, url: str | None, db: str | None = None) -> Tenant:
    """A tenant bound to ``db`` (default: its own id) on the ERP at ``url``, or to no Odoo at all."""
    binding = OdooBinding.model_validate({"url": url, "db": db or tenant_id}) if url else None
    return Tenant(
        tenant_id=tenant_id,
        name=NAMES.get(tenant_id, tenant_id),
        enabled_agents=("general", "finance", "warehouse", "marketing", "sales"),
        odoo=binding,
    )


def odoo_secret(db: str) -> dict[str, str]:
    login, key = credentials(db)
    return {"odoo_login": login, "odoo_api_key": key}


def run_context(tenant: Tenant, secret: dict[str, Any], services: ToolServices) -> RunContext:
    return context_for(tenant, agent_id="finance", secret=secret, services=services)


def bound(db: str, url: str, services: ToolServices) -> RunContext:
    """A run of tenant ``db`` whose Odoo is database ``db`` at ``url``, with the right credentials."""
    return run_context(odoo_tenant(db, url), odoo_secret(db), services)


async def invoke(tool: Tool, ctx: RunContext, **arguments: Any) -> Any:
    """What the model reads back from ``tool``, parsed."""
    return json.loads(await tool.invoke(ctx, arguments))


def posted_lines(data: Dataset, *, types: tuple[str, ...] = ()) -> list[tuple[Record, Record]]:
    """(line, account) of every posted journal item, optionally on accounts of some types."""
    accounts = {a["id"]: a for a in data.records("account.account")}
    return [
        (line, accounts[line["account_id"]])
        for line in data.records("account.move.line")
        if line["parent_state"] == "posted"
        and (not types or accounts[line["account_id"]]["account_type"] in types)
    ]


def bank_balances(data: Dataset, as_of: date = TODAY) -> dict[str, float]:
    """The balance of each bank and cash journal, by journal name (unique in the demo), in the
    journal's currency: ``amount_currency`` for a journal in another currency than its company's."""
    balances = {}
    for journal in data.records("account.journal"):
        if journal["type"] in ("bank", "cash"):
            company = data.get("res.company", journal["company_id"])
            foreign = journal["currency_id"] not in (None, company["currency_id"])
            balances[journal["name"]] = round(
                sum(
                    line["amount_currency" if foreign else "balance"]
                    for line, _ in posted_lines(data)
                    if line["account_id"] == journal["default_account_id"] and line["date"] <= as_of
                ),
                2,
            )
    return balances


def bank_totals(data: Dataset, as_of: date = TODAY) -> dict[tuple[str, str], float]:
    """(company name, currency code) -> the total of its bank and cash journals in that currency."""
    balances = bank_balances(data, as_of)
    totals: dict[tuple[str, str], float] = {}
    for journal in data.records("account.journal"):
        if journal["name"] in balances:
            company = data.get("res.company", journal["company_id"])
            currency = data.get("res.currency", journal["currency_id"] or company["currency_id"])["name"]
            key = (company["name"], currency)
            totals[key] = round(totals.get(key, 0.0) + balances[journal["name"]], 2)
    return totals


async def run_on(tool: Tool, db: str, erp: RunningErp, services: ToolServices, **arguments: Any) -> Any:
    """What ``tool`` answers tenant ``db`` whose Odoo is the demo database ``db`` of ``erp``."""
    return await invoke(tool, bound(db, erp.url, services), **arguments)
