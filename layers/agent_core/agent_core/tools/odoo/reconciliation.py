"""Suggested bank reconciliations: statement lines matched to open receivable and payable items.

Pure matching over what the finance tool read; it writes nothing anywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, TypedDict

from pydantic import BaseModel, Field

from agent_core.tools.odoo.records import Day, Many2one, Text
from agent_core.tools.odoo.values import day_of, id_of, money, name_of

NOTE = "Suggestions only: nothing was reconciled or written in Odoo. A person confirms each match in Odoo."


class StatementLineRecord(TypedDict):
    """An ``account.bank.statement.line`` as the tools read it: ``amount`` is in ``currency_id`` (the
    journal's currency), ``amount_currency`` in ``foreign_currency_id`` when the bank converted it."""

    id: int
    date: Day
    payment_ref: Text
    partner_id: Many2one
    amount: float
    journal_id: Many2one
    currency_id: Many2one
    foreign_currency_id: Many2one
    amount_currency: float
    company_id: Many2one


class OpenItemRecord(TypedDict):
    """An open ``account.move.line``: ``amount_residual`` in the company's currency,
    ``amount_residual_currency`` in the line's ``currency_id``."""

    id: int
    date: Day
    move_name: Text
    partner_id: Many2one
    account_id: Many2one
    account_type: Text
    amount_residual: float
    amount_residual_currency: float
    currency_id: Many2one
    company_id: Many2one


class StatementLine(BaseModel):
    id: int
    date: date | None
    reference: str | None
    partner: str | None
    amount: float
    currency: str | None
    journal: str | None
    company: str | None


class OpenItem(BaseModel):
    entry: str
    kind: Literal["invoice or bill", "registered payment"]
    date: date | None
    partner: str | None
    account: str | None
    open_amount: float
    currency: str | None


class Suggestion(BaseModel):
    statement_line: StatementLine
    match: OpenItem
    confidence: Literal["high", "medium"]
    reason: str


class Unmatched(BaseModel):
    statement_line: StatementLine
    reason: str


class Suggestions(BaseModel):
    note: str = NOTE
    suggestions: list[Suggestion]
    unmatched: list[Unmatched]
    open_items_considered: int
    lines_truncated: bool = Field(description="More unreconciled bank lines exist than were read.")
    open_items_truncated: bool = Field(description="More open items exist than were read.")
    open_items_total: int


INVOICE_TYPES = ("asset_receivable", "liability_payable")


def suggest(lines: list[StatementLineRecord], items: list[OpenItemRecord]) -> list[Suggestion | Unmatched]:
    """Match each statement line (oldest first) to the oldest unused open item of the same company
    and amount in one currency: the line's amount against the residual of items in the line's
    currency, or (when the bank converted it) the line's ``amount_currency`` against items in that
    foreign currency (``amount_residual_currency``). Company-currency residuals are never compared
    with another currency's amount.

    Open items are invoices and bills (receivable, payable) and payments registered in Odoo that wait
    on an outstanding receipts or payments account (any other account). An item's open amount is signed
    as the line's: money in matches receivables and outstanding receipts, money out payables and
    outstanding payments. If the line names a partner, only that partner's items match (``high``);
    if it names none, the amount alone does (``medium``).
    """
    used: set[int] = set()
    answers: list[Suggestion | Unmatched] = []
    for raw in lines:
        line = statement_line(raw)
        partner = id_of(raw["partner_id"])
        same_amount = [item for item in items if item["id"] not in used and _same_amount(raw, item)]
        candidates = [i for i in same_amount if id_of(i["partner_id"]) == partner] if partner else same_amount
        if not candidates:
            reason = (
                "only another partner's open item has this amount"
                if same_amount
                else "no open invoice, bill or registered payment has this amount in this currency"
            )
            answers.append(Unmatched(statement_line=line, reason=reason))
            continue
        chosen = candidates[0]
        used.add(chosen["id"])
        reason = "same amount and partner" if partner else "same amount; the bank line names no partner"
        if chosen["account_type"] not in INVOICE_TYPES:
            reason += "; a payment already registered in Odoo waits on this outstanding account"
        if len(candidates) > 1:
            reason += f" ({len(candidates) - 1} more open items have this amount)"
        answers.append(
            Suggestion(
                statement_line=line,
                match=_item(chosen),
                confidence="high" if partner else "medium",
                reason=reason,
            )
        )
    return answers


def _same_amount(line: StatementLineRecord, item: OpenItemRecord) -> bool:
    if id_of(item["company_id"]) != id_of(line["company_id"]):
        return False
    open_amount = money(item["amount_residual_currency"])
    currency = id_of(item["currency_id"])
    if currency == id_of(line["currency_id"]) and abs(open_amount - money(line["amount"])) < 0.005:
        return True
    foreign = id_of(line["foreign_currency_id"])
    return (
        foreign is not None
        and currency == foreign
        and abs(open_amount - money(line["amount_currency"])) < 0.005
    )


def statement_line(raw: StatementLineRecord) -> StatementLine:
    """A ``account.bank.statement.line`` record as the tools show it."""
    return StatementLine(
        id=raw["id"],
        date=day_of(raw["date"]),
        reference=raw["payment_ref"] or None,
        partner=name_of(raw["partner_id"]),
        amount=money(raw["amount"]),
        currency=name_of(raw["currency_id"]),
        journal=name_of(raw["journal_id"]),
        company=name_of(raw["company_id"]),
    )


def _item(raw: OpenItemRecord) -> OpenItem:
    return OpenItem(
        entry=raw["move_name"] or "",
        kind="invoice or bill" if raw["account_type"] in INVOICE_TYPES else "registered payment",
        date=day_of(raw["date"]),
        partner=name_of(raw["partner_id"]),
        account=name_of(raw["account_id"]),
        open_amount=money(raw["amount_residual_currency"]),
        currency=name_of(raw["currency_id"]),
    )
