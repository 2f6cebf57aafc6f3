"""Finance tools on the general ledger: account balances, the chart of accounts, cash flow. Read-only.

Every answer is per company, in the company's currency (``companies``): nothing is added up across
companies or currencies. The bank side (balances per journal, statement lines, reconciliation
suggestions) is in ``banking``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

from agent_core.errors import ToolError
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.client import OdooClient, odoo
from agent_core.tools.odoo.companies import Company, CompanyRecord, companies_of, in_company
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
MAX_ACCOUNTS = 500  # accounts per company a balance covers
MAX_GROUPS = 2000  # (company, period, account) groups a cash flow reads
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
    code: Text  # false where the current company has no code for it (18.0: company-dependent)
    name: str
    account_type: Text


class AccountSums(TypedDict):
    account_id: Many2one
    debit: float
    credit: float
    balance: float


class AccountBalance(BaseModel):
    code: str | None
    name: str
    type: str | None = None
    since: date | None = Field(
        description="First day counted: the fiscal year's start for income and expense accounts when "
        "no date_from is given; absent means since the first entry."
    )
    debit: float
    credit: float
    balance: float


class CompanyBalance(BaseModel):
    company: str
    currency: str = Field(description="Every amount of this company is in this currency.")
    fiscal_year_start: date
    accounts: list[AccountBalance]
    accounts_truncated: bool
    total_debit: float
    total_credit: float
    total_balance: float


class GlBalance(BaseModel):
    period: Period
    companies: list[CompanyBalance]


class BalanceAccount(LedgerAccount):
    include_initial_balance: bool


@tool(read_only=True)
async def get_gl_balance(
    ctx: RunContext, account_code: AccountCode = None, date_from: DateFrom = None, date_to: DateTo = None
) -> GlBalance:
    """Debit, credit and balance (debit − credit) per general-ledger account, from posted journal items,
    per company, in the company's currency.

    Give an account code or its first digits to narrow it (4 = income accounts in most charts); give
    dates for a period. Without date_from, balance-sheet accounts count from the first entry and
    income and expense accounts from the start of the company's fiscal year, as Odoo's reports do.
    Accounts without posted items are left out. Use list_gl_accounts to find codes.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    where: Domain = [["code", "=like", f"{account_code}%"]] if account_code else []
    answers = []
    for company, _ in await companies_of(erp, CompanyRecord):
        context = in_company(company)
        accounts = await erp.search_read(
            "account.account", where, BalanceAccount, order="code", limit=MAX_ACCOUNTS + 1, context=context
        )
        if accounts:
            answers.append(await _company_balance(erp, company, accounts, period))
    if not answers:
        raise ToolError(f"no account code starts with {account_code!r}; list_gl_accounts shows the chart")
    return GlBalance(period=period, companies=answers)


async def _company_balance(
    erp: OdooClient, company: Company, accounts: list[BalanceAccount], period: Period
) -> CompanyBalance:
    truncated = len(accounts) > MAX_ACCOUNTS
    accounts = accounts[:MAX_ACCOUNTS]
    start = company.fiscal_year_start(period.date_to)
    domain = [*POSTED, ["account_id", "in", [a["id"] for a in accounts]]]
    if period.date_from:
        domain += date_domain("date", period.date_from, period.date_to)
    else:  # addons/account: include_initial_balance is false for income and expense accounts
        domain += [["date", "<=", period.date_to.isoformat()]]
        domain += ["|", ["account_id.include_initial_balance", "=", True], ["date", ">=", start.isoformat()]]
    groups = await erp.read_group(
        "account.move.line",
        domain,
        ["debit:sum", "credit:sum", "balance:sum"],
        ["account_id"],
        AccountSums,
        context=in_company(company),
    )
    sums = {id_of(g["account_id"]): g for g in groups}
    rows = [
        AccountBalance(
            code=a["code"] or None,
            name=a["name"],
            type=a["account_type"] or None,
            since=period.date_from or (None if a["include_initial_balance"] else start),
            debit=money(sums[a["id"]]["debit"]),
            credit=money(sums[a["id"]]["credit"]),
            balance=money(sums[a["id"]]["balance"]),
        )
        for a in accounts
        if a["id"] in sums
    ]
    return CompanyBalance(
        company=company.name,
        currency=company.currency,
        fiscal_year_start=start,
        accounts=rows,
        accounts_truncated=truncated,
        total_debit=money(sum(r.debit for r in rows)),
        total_credit=money(sum(r.credit for r in rows)),
        total_balance=money(sum(r.balance for r in rows)),
    )


class ChartAccount(LedgerAccount):
    reconcile: bool


class Account(BaseModel):
    code: str | None
    name: str
    type: str
    reconcile: bool


class CompanyAccounts(BaseModel):
    company: str
    accounts: list[Account]
    total: int = Field(description="How many accounts match in this company.")
    truncated: bool


class Accounts(BaseModel):
    companies: list[CompanyAccounts]


@tool(read_only=True)
async def list_gl_accounts(
    ctx: RunContext,
    account_type: AccountType | None = None,
    search: Annotated[str | None, Field(description="Part of a name, or the first digits of a code.")] = None,
    limit: Limit = 200,
) -> Accounts:
    """The chart of accounts of each company: code, name, Odoo account type, and whether items on it
    get reconciled.

    Filter by account type (asset_cash = bank and cash, asset_receivable, liability_payable, income,
    expense, …) or by a search text that matches a code prefix or part of a name. At most ``limit``
    accounts per company; ``truncated`` says when there are more.
    """
    erp = await odoo(ctx)
    domain: Domain = [["account_type", "=", account_type]] if account_type else []
    if search:
        domain += ["|", ["code", "=like", f"{search.replace('%', '')}%"], ["name", "ilike", search]]
    answers = []
    for company, _ in await companies_of(erp, CompanyRecord):
        context = in_company(company)  # the company's own codes (18.0: code is company-dependent)
        rows = await erp.search_read(
            "account.account", domain, ChartAccount, order="code", limit=limit + 1, context=context
        )
        truncated = len(rows) > limit
        total = await erp.search_count("account.account", domain, context=context) if truncated else len(rows)
        accounts = [
            Account(
                code=r["code"] or None, name=r["name"], type=r["account_type"] or "", reconcile=r["reconcile"]
            )
            for r in rows[:limit]
        ]
        answers.append(
            CompanyAccounts(company=company.name, accounts=accounts, total=total, truncated=truncated)
        )
    return Accounts(companies=answers)


class TransferCompany(CompanyRecord):
    transfer_account_id: Many2one


# Grouped by ``date:<granularity>``: the period's label, which the client checks is there.
CashSums = TypedDict(
    "CashSums",
    {
        "company_id": Many2one,
        "account_id": Many2one,
        "debit": float,
        "credit": float,
        "date:day": NotRequired[str],
        "date:week": NotRequired[str],
        "date:month": NotRequired[str],
        "date:quarter": NotRequired[str],
        "__range": NotRequired[dict[str, dict[str, Day] | Literal[False]]],
    },
)


class CompanySums(TypedDict):
    company_id: Many2one
    balance: float


class CashPeriod(BaseModel):
    period: str
    start: date | None
    inflow: float
    outflow: float
    net: float
    transfers_in: float
    transfers_out: float


class CompanyCashFlow(BaseModel):
    company: str
    currency: str = Field(description="Every amount of this company is in this currency.")
    opening_balance: float = Field(description="Bank and cash at the end of the day before date_from.")
    periods: list[CashPeriod]
    total_inflow: float
    total_outflow: float
    net: float
    transfers_in: float = Field(description="Money that arrived from another of the company's banks.")
    transfers_out: float = Field(description="Money sent to another of the company's banks.")
    closing_balance: float


class CashFlow(BaseModel):
    period: Period
    granularity: str
    companies: list[CompanyCashFlow]
    truncated: bool


@tool(read_only=True)
async def get_cash_flow(
    ctx: RunContext,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    granularity: Literal["day", "week", "month", "quarter"] = "month",
) -> CashFlow:
    """Cash position by date, per company in its currency: the opening balance of bank and cash
    accounts, money in and out per period, and the closing balance.

    Transfers between the company's own banks (booked on its liquidity transfer account) are shown
    apart, as transfers_in and transfers_out, not as money in or out. Posted journal items on
    accounts of type asset_cash. Default: the current month and the five before it, by month.
    """
    erp = await odoo(ctx)
    end = date_to or today()
    start = date_from or _months_back(end, 5)
    companies = await companies_of(erp, TransferCompany)
    transfers = {id_of(row["transfer_account_id"]) for _, row in companies} - {None}
    cash: Domain = [["account_id.account_type", "=", "asset_cash"]]
    moved: Domain = (
        ["|", *cash, ["account_id", "in", sorted(t for t in transfers if t)]] if transfers else cash
    )
    key = f"date:{granularity}"
    groups = await erp.read_group(
        "account.move.line",
        [*POSTED, *moved, *date_domain("date", start, end)],
        ["debit:sum", "credit:sum"],
        ["company_id", key, "account_id"],
        CashSums,
        lazy=False,
        limit=MAX_GROUPS + 1,
    )
    truncated, groups = len(groups) > MAX_GROUPS, groups[:MAX_GROUPS]
    before = [*POSTED, *cash, ["date", "<", start.isoformat()]]
    openings = await erp.read_group("account.move.line", before, ["balance:sum"], ["company_id"], CompanySums)
    opening = {id_of(g["company_id"]): money(g["balance"]) for g in openings}
    answers = [
        _company_cash_flow(
            company,
            [g for g in groups if id_of(g["company_id"]) == company.id],
            key,
            transfers,
            opening.get(company.id, 0.0),
        )
        for company, _ in companies
    ]
    return CashFlow(
        period=Period(date_from=start, date_to=end),
        granularity=granularity,
        companies=answers,
        truncated=truncated,
    )


def _company_cash_flow(
    company: Company, groups: list[CashSums], key: str, transfers: set[int | None], opening: float
) -> CompanyCashFlow:
    """Bank and cash lines are money in (debit) and out (credit); a transfer leg is a bank line whose
    counterpart is the transfer account, so the transfer account's credit is money in from a transfer
    and its debit money out to one: they are taken out of money in and out and shown apart."""
    periods: dict[str, list[float]] = {}
    starts: dict[str, date | None] = {}
    for g in groups:
        label = str(g.get(key))
        sums = periods.setdefault(label, [0.0, 0.0, 0.0, 0.0])  # cash in, cash out, transfer in, out
        starts.setdefault(label, day_of((g.get("__range", {}).get(key) or {}).get("from")))
        if id_of(g["account_id"]) in transfers:
            sums[2] += g["credit"]
            sums[3] += g["debit"]
        else:
            sums[0] += g["debit"]
            sums[1] += g["credit"]
    rows = [
        CashPeriod(
            period=label,
            start=starts[label],
            inflow=money(cash_in - moved_in),
            outflow=money(cash_out - moved_out),
            net=money(cash_in - moved_in - cash_out + moved_out),
            transfers_in=money(moved_in),
            transfers_out=money(moved_out),
        )
        for label, (cash_in, cash_out, moved_in, moved_out) in periods.items()
    ]
    rows.sort(key=lambda row: row.start or date.min)
    inflow, outflow = money(sum(r.inflow for r in rows)), money(sum(r.outflow for r in rows))
    moved_in, moved_out = money(sum(r.transfers_in for r in rows)), money(sum(r.transfers_out for r in rows))
    return CompanyCashFlow(
        company=company.name,
        currency=company.currency,
        opening_balance=opening,
        periods=rows,
        total_inflow=inflow,
        total_outflow=outflow,
        net=money(inflow - outflow),
        transfers_in=moved_in,
        transfers_out=moved_out,
        closing_balance=money(opening + inflow - outflow + moved_in - moved_out),
    )


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
