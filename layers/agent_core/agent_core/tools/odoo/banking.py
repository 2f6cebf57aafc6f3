"""Finance tools on the bank side: balances per bank and cash journal, statement lines, and
suggested reconciliations. Read-only. Amounts are in the journal's or the company's currency and
say which; totals are per company and currency."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.companies import Company, CompanyRecord, by_id, companies_of, in_company
from agent_core.tools.odoo.finance import POSTED, AccountCode
from agent_core.tools.odoo.reconciliation import (
    OpenItemRecord,
    StatementLine,
    StatementLineRecord,
    Suggestion,
    Suggestions,
    Unmatched,
    statement_line,
    suggest,
)
from agent_core.tools.odoo.records import Many2one
from agent_core.tools.odoo.values import (
    DateFrom,
    DateTo,
    Domain,
    Limit,
    Period,
    date_domain,
    id_of,
    money,
    name_of,
    today,
)

Journal = Annotated[str | None, Field(description="A bank or cash journal, by code (BNK1) or name.")]
MAX_JOURNALS = 100
MAX_OPEN_ITEMS = 1000


class JournalRecord(TypedDict):
    id: int
    name: str
    code: str
    type: str
    default_account_id: Many2one
    currency_id: Many2one
    company_id: Many2one


class AccountBalanceSum(TypedDict):
    account_id: Many2one
    balance: float
    amount_currency: float


class JournalBalance(BaseModel):
    journal: str
    code: str
    type: str
    company: str
    account: str | None
    currency: str
    balance: float = Field(description="In the journal's currency, as Odoo's journal dashboard shows it.")
    balance_company_currency: float | None = Field(
        None, description="For a journal in a foreign currency: the balance in the company's currency."
    )


class Total(BaseModel):
    company: str
    currency: str
    total: float


class BankBalances(BaseModel):
    as_of: date
    journals: list[JournalBalance]
    totals: list[Total] = Field(description="Per company and currency: never added across either.")
    truncated: bool


@tool(read_only=True)
async def get_bank_balance(
    ctx: RunContext,
    as_of: Annotated[date | None, Field(description="Balance at the end of this day.")] = None,
) -> BankBalances:
    """Cash position: the balance of every bank and cash journal (its ledger account) in the journal's
    currency, and the totals per company and currency.

    Use it for "how much cash do we have", "our cash position", "bank balance". Posted journal
    items only, up to today or the given day. A journal in a foreign currency shows its balance in
    that currency, as Odoo's journal dashboard does, and in the company's currency.
    """
    erp = await odoo(ctx)
    day = as_of or today()
    companies = by_id([company for company, _ in await companies_of(erp, CompanyRecord)])
    journals: list[JournalRecord] = []
    truncated = False
    for company in companies.values():
        # Each company's journals with that company current: on 18.0 the name Odoo gives an account
        # carries its code only in the current company (account.account._compute_display_name).
        found = await erp.search_read(
            "account.journal",
            [["type", "in", ["bank", "cash"]]],
            JournalRecord,
            limit=MAX_JOURNALS + 1,
            context=in_company(company),
        )
        truncated = truncated or len(found) > MAX_JOURNALS
        journals += found[:MAX_JOURNALS]
    accounts = [id_of(j["default_account_id"]) for j in journals if j["default_account_id"]]
    domain = [*POSTED, ["account_id", "in", accounts], ["date", "<=", day.isoformat()]]
    groups = await erp.read_group(
        "account.move.line", domain, ["balance:sum", "amount_currency:sum"], ["account_id"], AccountBalanceSum
    )
    sums = {id_of(g["account_id"]): g for g in groups}
    rows = [_journal_balance(j, companies, sums) for j in journals if id_of(j["company_id"]) in companies]
    totals: dict[tuple[str, str], float] = {}
    for row in rows:
        totals[(row.company, row.currency)] = totals.get((row.company, row.currency), 0.0) + row.balance
    return BankBalances(
        as_of=day,
        journals=rows,
        totals=[Total(company=c, currency=cur, total=money(t)) for (c, cur), t in totals.items()],
        truncated=truncated,
    )


def _journal_balance(
    journal: JournalRecord, companies: dict[int, Company], sums: dict[int | None, AccountBalanceSum]
) -> JournalBalance:
    """``account.journal._get_journal_bank_account_balance`` (addons/account/models/account_journal.py):
    the sum of ``amount_currency`` when the journal's currency is not the company's, else of ``balance``."""
    company = companies[id_of(journal["company_id"]) or 0]
    found = sums.get(id_of(journal["default_account_id"]))
    balance = money(found["balance"]) if found else 0.0
    currency = name_of(journal["currency_id"]) or company.currency
    foreign = currency != company.currency
    return JournalBalance(
        journal=journal["name"],
        code=journal["code"],
        type=journal["type"],
        company=company.name,
        account=name_of(journal["default_account_id"]),
        currency=currency,
        balance=money(found["amount_currency"]) if foreign and found else balance,
        balance_company_currency=balance if foreign else None,
    )


class BankTransactionRecord(StatementLineRecord):
    is_reconciled: bool


class BankTransaction(StatementLine):
    reconciled: bool


class Flow(BaseModel):
    company: str | None
    currency: str | None
    money_in: float
    money_out: float


class BankTransactions(BaseModel):
    period: Period
    transactions: list[BankTransaction]
    count: int
    totals: list[Flow] = Field(description="Money in and out of the lines shown, per company and currency.")
    total: int = Field(description="How many lines match, shown or not.")
    truncated: bool


@tool(read_only=True)
async def get_bank_transactions(
    ctx: RunContext,
    journal: Journal = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    unreconciled_only: bool = False,
    limit: Limit = 50,
) -> BankTransactions:
    """Bank statement lines, newest first: date, reference, partner, amount (+ in, − out) in the
    journal's currency, company, reconciled.

    Filter by journal, dates, or only the lines not reconciled yet. At most ``limit`` lines;
    ``truncated`` says when more match, and ``total`` how many.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    domain = [*_journal_domain(journal), *date_domain("date", period.date_from, period.date_to)]
    if unreconciled_only:
        domain.append(["is_reconciled", "=", False])
    model = "account.bank.statement.line"
    rows = await erp.search_read(
        model, domain, BankTransactionRecord, order="date desc, id desc", limit=limit + 1
    )
    truncated = len(rows) > limit
    lines = [
        BankTransaction(**statement_line(r).model_dump(), reconciled=bool(r["is_reconciled"]))
        for r in rows[:limit]
    ]
    flows: dict[tuple[str | None, str | None], list[float]] = {}
    for t in lines:
        sums = flows.setdefault((t.company, t.currency), [0.0, 0.0])
        sums[0 if t.amount > 0 else 1] += abs(t.amount)
    return BankTransactions(
        period=period,
        transactions=lines,
        count=len(lines),
        totals=[
            Flow(company=c, currency=cur, money_in=money(i), money_out=money(o))
            for (c, cur), (i, o) in flows.items()
        ],
        total=await erp.search_count(model, domain) if truncated else len(lines),
        truncated=truncated,
    )


class OutstandingCompany(CompanyRecord):
    account_journal_payment_debit_account_id: Many2one
    account_journal_payment_credit_account_id: Many2one


@tool(read_only=True)
async def reconcile_account(
    ctx: RunContext, journal: Journal = None, account_code: AccountCode = None, limit: Limit = 100
) -> Suggestions:
    """SUGGESTED matches between unreconciled bank statement lines and open items: customer invoices,
    vendor bills, and payments already registered in Odoo that wait on the outstanding receipts or
    payments account.

    A line matches an open item of the same company and the same amount in the same currency
    (money in ↔ invoice or registered receipt, money out ↔ bill or registered payment) and, when the
    line names a partner, of that partner. Nothing is reconciled or written in Odoo: a person
    confirms each match there. Narrow by journal or by account code.
    """
    erp = await odoo(ctx)
    companies = await companies_of(erp, OutstandingCompany)
    outstanding = {
        account
        for _, row in companies
        for account in (
            id_of(row["account_journal_payment_debit_account_id"]),
            id_of(row["account_journal_payment_credit_account_id"]),
        )
        if account
    }
    lines = await erp.search_read(
        "account.bank.statement.line",
        [["is_reconciled", "=", False], *_journal_domain(journal)],
        StatementLineRecord,
        order="date, id",
        limit=limit + 1,
    )
    # Registered payments wait on an outstanding account: the company's default
    # (addons/account/models/company.py) or a payment method line's ``payment_account_id``, a
    # reconcilable current asset, in a bank or cash journal.
    kinds: Domain = [
        "|",
        "|",
        ["account_type", "in", ["asset_receivable", "liability_payable"]],
        ["account_id", "in", sorted(outstanding)],
        "&",
        "&",
        ["account_type", "=", "asset_current"],
        ["account_id.reconcile", "=", True],
        ["journal_id.type", "in", ["bank", "cash"]],
    ]
    domain: Domain = [*POSTED, ["reconciled", "=", False], *kinds, ["amount_residual_currency", "!=", 0]]
    if account_code:
        domain.append(["account_id.code", "=like", f"{account_code}%"])
    items: list[OpenItemRecord] = []
    items_truncated, items_total = False, 0
    for company, _ in companies:
        # One company at a time, as the current one: on 18.0 an account's code (searched by
        # ``account_code``, shown in the account's name) is the current company's only.
        context = in_company(company)
        found = await erp.search_read(
            "account.move.line",
            domain,
            OpenItemRecord,
            order="date, id",
            limit=MAX_OPEN_ITEMS + 1,
            context=context,
        )
        if len(found) > MAX_OPEN_ITEMS:
            items_truncated = True
            items_total += await erp.search_count("account.move.line", domain, context=context)
        else:
            items_total += len(found)
        items += found[:MAX_OPEN_ITEMS]
    answers = suggest(lines[:limit], items)
    return Suggestions(
        suggestions=[a for a in answers if isinstance(a, Suggestion)],
        unmatched=[a for a in answers if isinstance(a, Unmatched)],
        open_items_considered=len(items),
        lines_truncated=len(lines) > limit,
        open_items_truncated=items_truncated,
        open_items_total=items_total,
    )


def _journal_domain(journal: str | None) -> Domain:
    if not journal:
        return []
    return ["|", ["journal_id.code", "=ilike", journal], ["journal_id.name", "ilike", journal]]
