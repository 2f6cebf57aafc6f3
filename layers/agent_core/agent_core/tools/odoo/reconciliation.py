"""Suggested bank reconciliations: statement lines matched to open receivable and payable items.

Pure matching over what the finance tool read; it writes nothing anywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, TypedDict

from pydantic import BaseModel

from agent_core.tools.odoo.records import Day, Many2one, Text
from agent_core.tools.odoo.values import day_of, id_of, money, name_of

NOTE = "Suggestions only: nothing was reconciled or written in Odoo. A person confirms each match in Odoo."


class StatementLineRecord(TypedDict):
    """An ``account.bank.statement.line`` as the tools read it."""

    id: int
    date: Day
    payment_ref: Text
    partner_id: Many2one
    amount: float
    journal_id: Many2one


class OpenItemRecord(TypedDict):
    """An open receivable or payable ``account.move.line``."""

    id: int
    date: Day
    move_name: Text
    partner_id: Many2one
    account_id: Many2one
    amount_residual: float


class StatementLine(BaseModel):
    id: int
    date: date | None
    reference: str | None
    partner: str | None
    amount: float
    journal: str | None


class OpenItem(BaseModel):
    entry: str
    date: date | None
    partner: str | None
    account: str | None
    open_amount: float


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


def suggest(lines: list[StatementLineRecord], items: list[OpenItemRecord]) -> Suggestions:
    """Match each statement line (oldest first) to the oldest unused open item of the same amount.

    An item's open amount is signed as the line's: receivables positive (money in), payables negative
    (money out). If the line names a partner, only that partner's items match (``high``); if it names
    none, the amount alone does (``medium``).
    """
    used: set[int] = set()
    suggestions, unmatched = [], []
    for raw in lines:
        line = statement_line(raw)
        partner = id_of(raw["partner_id"])
        same_amount = [
            item
            for item in items
            if item["id"] not in used and abs(money(item["amount_residual"]) - line.amount) < 0.005
        ]
        candidates = [i for i in same_amount if id_of(i["partner_id"]) == partner] if partner else same_amount
        if not candidates:
            reason = (
                "only another partner's open item has this amount"
                if same_amount
                else "no open invoice or bill has this amount"
            )
            unmatched.append(Unmatched(statement_line=line, reason=reason))
            continue
        chosen = candidates[0]
        used.add(chosen["id"])
        reason = "same amount and partner" if partner else "same amount; the bank line names no partner"
        if len(candidates) > 1:
            reason += f" ({len(candidates) - 1} more open items have this amount)"
        suggestions.append(
            Suggestion(
                statement_line=line,
                match=_item(chosen),
                confidence="high" if partner else "medium",
                reason=reason,
            )
        )
    return Suggestions(suggestions=suggestions, unmatched=unmatched, open_items_considered=len(items))


def statement_line(raw: StatementLineRecord) -> StatementLine:
    """A ``account.bank.statement.line`` record as the tools show it."""
    return StatementLine(
        id=raw["id"],
        date=day_of(raw["date"]),
        reference=raw["payment_ref"] or None,
        partner=name_of(raw["partner_id"]),
        amount=money(raw["amount"]),
        journal=name_of(raw["journal_id"]),
    )


def _item(raw: OpenItemRecord) -> OpenItem:
    return OpenItem(
        entry=raw["move_name"] or "",
        date=day_of(raw["date"]),
        partner=name_of(raw["partner_id"]),
        account=name_of(raw["account_id"]),
        open_amount=money(raw["amount_residual"]),
    )
