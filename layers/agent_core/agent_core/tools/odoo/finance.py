"""Finance tools on the general ledger: account balances, the chart of accounts, cash flow. Read-only.

The bank side (balances per journal, statement lines, reconciliation suggestions) is in ``banking``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

from agent_core.errors import ToolError
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.records import Day, Many2one, Text
from agent_core.tools.odoo.values import (
    DateFrom,
    DateTo,
    Domain,
    Limit,
    Period,
    date_domain,
    day_of,
    id_of,
    money,
    today,
)

POSTED: Domain = [["parent_state", "=", "posted"]]
AccountCode = Annotated[
    str | None,
    Field(
        pattern=r"^[A-Za-z0-9.\-]{1,20}$",
        description="An account code or its first digits, e.g. 4 or 121000.",
    ),
]
AccountType = Literal[
    "asset_receivable", "asset_cash", "asset_current", "asset_non_current", "asset_prepayments",
    "asset_fixed", "liability_payable", "liability_credit_card", "liability_current",
    "liability_non_current", "equity", "equity_unaffected", "income", "income_other", "expense",
    "expense_depreciation", "expense_direct_cost", "off_balance",
]  # fmt: skip


class LedgerAccount(TypedDict):
    id: int
    code: Text  # false for another company's account (18.0: the code is company-dependent)
    name: str
    account_type: Text


class AccountSums(TypedDict):
    account_id: Many2one
    debit: float
    credit: float
    balance: float


class AccountBalance(BaseModel):
    code: str
    name: str
    type: str | None = None
    debit: float
    credit: float
    balance: float


class GlBalance(BaseModel):
    period: Period
    accounts: list[AccountBalance]
    total_debit: float
    total_credit: float
    total_balance: float


@tool(read_only=True)
async def get_gl_balance(
    ctx: RunContext, account_code: AccountCode = None, date_from: DateFrom = None, date_to: DateTo = None
) -> GlBalance:
    """Debit, credit and balance (debit − credit) per general-ledger account, from posted journal items.

    Give an account code or its first digits to narrow it (4 = income accounts in most charts); give
    dates for a period, or leave date_from out for the balance since the first entry. Accounts
    without posted items in the period are left out. Use list_gl_accounts to find codes.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    where: Domain = [["code", "=like", f"{account_code}%"]] if account_code else []
    accounts = await erp.search_read("account.account", where, LedgerAccount, order="code")
    if not accounts:
        raise ToolError(f"no account code starts with {account_code!r}; list_gl_accounts shows the chart")
    domain = [*POSTED, ["account_id", "in", [a["id"] for a in accounts]]]
    domain += date_domain("date", period.date_from, period.date_to)
    groups = await erp.read_group(
        "account.move.line", domain, ["debit:sum", "credit:sum", "balance:sum"], ["account_id"], AccountSums
    )
    sums = {id_of(g["account_id"]): g for g in groups}
    rows = [
        AccountBalance(
            code=a["code"] or "",
            name=a["name"],
            type=a["account_type"] or None,
            debit=money(sums[a["id"]]["debit"]),
            credit=money(sums[a["id"]]["credit"]),
            balance=money(sums[a["id"]]["balance"]),
        )
        for a in accounts
        if a["id"] in sums
    ]
    return GlBalance(
        period=period,
        accounts=rows,
        total_debit=money(sum(r.debit for r in rows)),
        total_credit=money(sum(r.credit for r in rows)),
        total_balance=money(sum(r.balance for r in rows)),
    )


class ChartAccount(LedgerAccount):
    reconcile: bool


class Account(BaseModel):
    code: str
    name: str
    type: str
    reconcile: bool


@tool(read_only=True)
async def list_gl_accounts(
    ctx: RunContext,
    account_type: AccountType | None = None,
    search: Annotated[str | None, Field(description="Part of a name, or the first digits of a code.")] = None,
    limit: Limit = 200,
) -> list[Account]:
    """The chart of accounts: code, name, Odoo account type, and whether items on it get reconciled.

    Filter by account type (asset_cash = bank and cash, asset_receivable, liability_payable, income,
    expense, …) or by a search text that matches a code prefix or part of a name.
    """
    erp = await odoo(ctx)
    domain: Domain = [["account_type", "=", account_type]] if account_type else []
    if search:
        domain += ["|", ["code", "=like", f"{search.replace('%', '')}%"], ["name", "ilike", search]]
    rows = await erp.search_read("account.account", domain, ChartAccount, order="code", limit=limit)
    return [
        Account(code=r["code"] or "", name=r["name"], type=r["account_type"] or "", reconcile=r["reconcile"])
        for r in rows
    ]


# Grouped by ``date:<granularity>``: the period's label, which the client checks is there.
CashSums = TypedDict(
    "CashSums",
    {
        "debit": float,
        "credit": float,
        "date:day": NotRequired[str],
        "date:week": NotRequired[str],
        "date:month": NotRequired[str],
        "date:quarter": NotRequired[str],
        "__range": NotRequired[dict[str, dict[str, Day] | Literal[False]]],
    },
)


class CashPeriod(BaseModel):
    period: str
    start: date | None
    inflow: float
    outflow: float
    net: float


class CashFlow(BaseModel):
    period: Period
    granularity: str
    periods: list[CashPeriod]
    total_inflow: float
    total_outflow: float
    net: float


@tool(read_only=True)
async def get_cash_flow(
    ctx: RunContext,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    granularity: Literal["day", "week", "month", "quarter"] = "month",
) -> CashFlow:
    """Money in and out of bank and cash accounts per period: inflow (debits), outflow (credits), net.

    Counts posted journal items on accounts of type asset_cash. Default: the current month and the
    five before it, by month.
    """
    erp = await odoo(ctx)
    end = date_to or today()
    start = date_from or _months_back(end, 5)
    domain = [*POSTED, ["account_id.account_type", "=", "asset_cash"], *date_domain("date", start, end)]
    key = f"date:{granularity}"
    groups = await erp.read_group("account.move.line", domain, ["debit:sum", "credit:sum"], [key], CashSums)
    rows = [
        CashPeriod(
            period=str(g.get(key)),
            start=day_of((g.get("__range", {}).get(key) or {}).get("from")),
            inflow=money(g["debit"]),
            outflow=money(g["credit"]),
            net=money(g["debit"] - g["credit"]),
        )
        for g in groups
    ]
    inflow, outflow = money(sum(r.inflow for r in rows)), money(sum(r.outflow for r in rows))
    return CashFlow(
        period=Period(date_from=start, date_to=end),
        granularity=granularity,
        periods=rows,
        total_inflow=inflow,
        total_outflow=outflow,
        net=money(inflow - outflow),
    )


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
