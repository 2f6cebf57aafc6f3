"""Finance tools on the bank side: balances per bank and cash journal, statement lines, and
suggested reconciliations. Read-only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.finance import POSTED, AccountCode
from agent_core.tools.odoo.reconciliation import (
    OpenItemRecord,
    StatementLine,
    StatementLineRecord,
    Suggestions,
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


class JournalRecord(TypedDict):
    id: int
    name: str
    code: str
    type: str
    default_account_id: Many2one


class AccountBalanceSum(TypedDict):
    account_id: Many2one
    balance: float


class JournalBalance(BaseModel):
    journal: str
    code: str
    type: str
    account: str | None
    balance: float


class BankBalances(BaseModel):
    as_of: date
    journals: list[JournalBalance]
    total: float


@tool(read_only=True)
async def get_bank_balance(
    ctx: RunContext,
    as_of: Annotated[date | None, Field(description="Balance at the end of this day.")] = None,
) -> BankBalances:
    """Cash position: the balance of every bank and cash journal (its ledger account), and the total.

    Use it for "how much cash do we have", "our cash position", "bank balance". Posted journal
    items only, up to today or the given day.
    """
    erp = await odoo(ctx)
    day = as_of or today()
    journals = await erp.search_read("account.journal", [["type", "in", ["bank", "cash"]]], JournalRecord)
    accounts = [id_of(j["default_account_id"]) for j in journals if j["default_account_id"]]
    domain = [*POSTED, ["account_id", "in", accounts], ["date", "<=", day.isoformat()]]
    groups = await erp.read_group(
        "account.move.line", domain, ["balance:sum"], ["account_id"], AccountBalanceSum
    )
    balances = {id_of(g["account_id"]): money(g["balance"]) for g in groups}
    rows = [
        JournalBalance(
            journal=j["name"],
            code=j["code"],
            type=j["type"],
            account=name_of(j["default_account_id"]),
            balance=balances.get(id_of(j["default_account_id"]), 0.0),
        )
        for j in journals
    ]
    return BankBalances(as_of=day, journals=rows, total=money(sum(r.balance for r in rows)))


class BankTransactionRecord(StatementLineRecord):
    is_reconciled: bool


class BankTransaction(StatementLine):
    reconciled: bool


class BankTransactions(BaseModel):
    period: Period
    transactions: list[BankTransaction]
    count: int
    money_in: float
    money_out: float
    more_available: bool


@tool(read_only=True)
async def get_bank_transactions(
    ctx: RunContext,
    journal: Journal = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    unreconciled_only: bool = False,
    limit: Limit = 50,
) -> BankTransactions:
    """Bank statement lines, newest first: date, reference, partner, amount (+ in, − out), reconciled.

    Filter by journal, dates, or only the lines not reconciled yet.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    domain = [*_journal_domain(journal), *date_domain("date", period.date_from, period.date_to)]
    if unreconciled_only:
        domain.append(["is_reconciled", "=", False])
    rows = await erp.search_read(
        "account.bank.statement.line", domain, BankTransactionRecord, order="date desc, id desc", limit=limit
    )
    lines = [
        BankTransaction(**statement_line(r).model_dump(), reconciled=bool(r["is_reconciled"])) for r in rows
    ]
    return BankTransactions(
        period=period,
        transactions=lines,
        count=len(lines),
        money_in=money(sum(t.amount for t in lines if t.amount > 0)),
        money_out=money(-sum(t.amount for t in lines if t.amount < 0)),
        more_available=len(lines) == limit,
    )


@tool(read_only=True)
async def reconcile_account(
    ctx: RunContext, journal: Journal = None, account_code: AccountCode = None, limit: Limit = 100
) -> Suggestions:
    """SUGGESTED matches between unreconciled bank statement lines and open customer/vendor items.

    A line matches an open receivable or payable item of the same amount (money in ↔ invoice,
    money out ↔ bill) and, when the line names a partner, of that partner. Nothing is reconciled or
    written in Odoo: a person confirms each match there. Narrow by journal or by account code.
    """
    erp = await odoo(ctx)
    lines = await erp.search_read(
        "account.bank.statement.line",
        [["is_reconciled", "=", False], *_journal_domain(journal)],
        StatementLineRecord,
        order="date, id",
        limit=limit,
    )
    domain: Domain = [
        *POSTED,
        ["reconciled", "=", False],
        ["account_id.account_type", "in", ["asset_receivable", "liability_payable"]],
        ["amount_residual", "!=", 0],
    ]
    if account_code:
        domain.append(["account_id.code", "=like", f"{account_code}%"])
    items = await erp.search_read("account.move.line", domain, OpenItemRecord, order="date, id")
    return suggest(lines, items)


def _journal_domain(journal: str | None) -> Domain:
    if not journal:
        return []
    return ["|", ["journal_id.code", "=ilike", journal], ["journal_id.name", "ilike", journal]]
