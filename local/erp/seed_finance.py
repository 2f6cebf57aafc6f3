"""Accounting: a chart of accounts, journals, balanced entries, and bank statement lines.

Invoices and bills are posted (a few stay drafts); most are paid through a bank statement line
that is reconciled. Some statement lines are left unreconciled on the suspense account, a few of
them matching open invoices or bills, so reconciliation suggestions have something to find.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from random import Random

from local.erp.dataset import Dataset

TAX = 0.15
CHART = (
    ("101501", "Cash", "asset_cash", False),
    ("101701", "Bank Suspense Account", "asset_current", False),
    ("110100", "Stock Valuation", "asset_current", False),
    ("121000", "Account Receivable", "asset_receivable", True),
    ("131000", "Tax Paid", "asset_current", False),
    ("211000", "Account Payable", "liability_payable", True),
    ("251000", "Tax Received", "liability_current", False),
    ("301000", "Capital", "equity", False),
    ("400000", "Product Sales", "income", False),
    ("440000", "Interest Income", "income_other", False),
    ("500000", "Cost of Goods Sold", "expense_direct_cost", False),
    ("600000", "Purchases & Expenses", "expense", False),
    ("610000", "Rent", "expense", False),
    ("620000", "Salaries", "expense", False),
    ("630000", "Bank Fees", "expense", False),
)

Line = tuple[str, float, float]  # (account code, debit, credit)


class Ledger:
    """Writes balanced journal entries: one ``account.move`` and its lines."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.accounts: dict[str, int] = {}
        self.journals: dict[str, int] = {}
        self._numbers: Counter[str] = Counter()

    def move(
        self,
        journal: str,
        when: date,
        lines: list[Line],
        *,
        partner: int | None = None,
        label: str = "",
        state: str = "posted",
        move_type: str = "entry",
        open_codes: tuple[str, ...] = (),
    ) -> tuple[int, list[int]]:
        """Post an entry; lines on ``open_codes`` keep a residual (not reconciled)."""
        debit = round(sum(line[1] for line in lines), 2)
        assert debit == round(sum(line[2] for line in lines), 2), f"unbalanced entry {lines}"
        if state == "posted":
            self._numbers[journal] += 1
            name = f"{journal}/{when.year}/{self._numbers[journal]:05d}"
        else:
            name = "/"
        data = self.data
        move_id = data.add(
            "account.move",
            name=name,
            date=when,
            ref=label,
            journal_id=self.journals[journal],
            partner_id=partner,
            state=state,
            move_type=move_type,
            amount_total=debit,
        )
        line_ids = []
        for code, dr, cr in lines:
            account = data.get("account.account", self.accounts[code])
            open_item = account["reconcile"] and code in open_codes
            line_ids.append(
                data.add(
                    "account.move.line",
                    move_id=move_id,
                    move_name=name,
                    date=when,
                    name=label,
                    account_id=account["id"],
                    journal_id=self.journals[journal],
                    partner_id=partner,
                    debit=dr,
                    credit=cr,
                    balance=round(dr - cr, 2),
                    amount_residual=round(dr - cr, 2) if open_item else 0.0,
                    parent_state=state,
                    reconciled=bool(account["reconcile"]) and not open_item,
                )
            )
        return move_id, line_ids

    def statement(
        self, journal: str, when: date, amount: float, ref: str, counterpart: str, partner: int | None = None
    ) -> int:
        """A bank statement line and its entry; reconciled unless its counterpart is the suspense account."""
        bank = self.bank_code(journal)
        lines: list[Line] = (
            [(bank, amount, 0.0), (counterpart, 0.0, amount)]
            if amount > 0
            else [(counterpart, -amount, 0.0), (bank, 0.0, -amount)]
        )
        move_id, _ = self.move(journal, when, lines, partner=partner, label=ref)
        return self.data.add(
            "account.bank.statement.line",
            date=when,
            payment_ref=ref,
            partner_id=partner,
            amount=amount,
            journal_id=self.journals[journal],
            move_id=move_id,
            is_reconciled=counterpart != "101701",
        )

    def bank_code(self, journal: str) -> str:
        account_id = self.data.get("account.journal", self.journals[journal])["default_account_id"]
        code: str = self.data.get("account.account", account_id)["code"]
        return code


def seed_finance(data: Dataset, rng: Random) -> None:
    profile, today = data.profile, data.today
    ledger = Ledger(data)
    for index, (_, name, _) in enumerate(profile.banks):
        code = f"10140{index + 1}"
        ledger.accounts[code] = data.add("account.account", code=code, name=name, account_type="asset_cash")
    for code, name, kind, reconcile in CHART:
        ledger.accounts[code] = data.add(
            "account.account", code=code, name=name, account_type=kind, reconcile=reconcile
        )
    journals = [("INV", "Customer Invoices", "sale", "400000")]
    journals += [("BILL", "Vendor Bills", "purchase", "600000")]
    journals += [(code, name, "bank", f"10140{i + 1}") for i, (code, name, _) in enumerate(profile.banks)]
    journals += [("CSH1", "Cash", "cash", "101501"), ("MISC", "Miscellaneous Operations", "general", "")]
    for code, name, kind, account in journals:
        default = ledger.accounts.get(account)
        ledger.journals[code] = data.add(
            "account.journal", name=name, code=code, type=kind, default_account_id=default
        )
    banks = [code for code, _, _ in profile.banks]
    opening = [(ledger.bank_code(code), balance, 0.0) for code, _, balance in profile.banks]
    opening += [("101501", 2_500.0, 0.0), ("110100", 64_000.0, 0.0)]
    capital = round(sum(line[1] for line in opening), 2)
    ledger.move("MISC", today - timedelta(days=200), [*opening, ("301000", 0.0, capital)], label="Opening")

    customers = [p["id"] for p in data.records("res.partner") if p["customer_rank"]]
    vendors = [p["id"] for p in data.records("res.partner") if p["supplier_rank"]]
    open_invoices: list[tuple[int, float]] = []
    open_bills: list[tuple[int, float]] = []
    for kind, count in (("invoice", profile.invoices), ("bill", profile.bills)):
        low, high = profile.invoice_range if kind == "invoice" else profile.bill_range
        for _ in range(count):
            when = today - timedelta(days=rng.randint(1, 170))
            partner = rng.choice(customers if kind == "invoice" else vendors)
            untaxed = round(rng.uniform(low, high), 2)
            tax = round(untaxed * TAX, 2)
            total = round(untaxed + tax, 2)
            draft = rng.random() < 0.08
            paid = not draft and (today - when).days > 25 and rng.random() < 0.75
            if kind == "invoice":
                lines = [("121000", total, 0.0), ("400000", 0.0, untaxed), ("251000", 0.0, tax)]
                journal, move_type, open_code = "INV", "out_invoice", "121000"
            else:
                lines = [("600000", untaxed, 0.0), ("131000", tax, 0.0), ("211000", 0.0, total)]
                journal, move_type, open_code = "BILL", "in_invoice", "211000"
            move_id, _ = ledger.move(
                journal,
                when,
                lines,
                partner=partner,
                state="draft" if draft else "posted",
                move_type=move_type,
                open_codes=() if paid else (open_code,),
            )
            name = data.get("account.move", move_id)["name"]
            if paid:
                paid_on = min(when + timedelta(days=rng.randint(7, 45)), today - timedelta(days=1))
                signed = total if kind == "invoice" else -total
                bank = banks[0] if kind == "bill" or rng.random() < 0.7 else rng.choice(banks)
                ledger.statement(bank, paid_on, signed, f"Payment {name}", open_code, partner)
            elif not draft:
                (open_invoices if kind == "invoice" else open_bills).append((partner, total))

    for month in range(6, 0, -1):
        when = today - timedelta(days=30 * month - 3)
        ledger.statement(banks[0], when, -profile.rent, f"Rent {when:%B %Y}", "610000")
        payroll = f"Payroll {when:%B %Y}"
        ledger.statement(banks[0], when + timedelta(days=1), -profile.payroll, payroll, "620000")
        ledger.statement(banks[0], when + timedelta(days=2), -42.5, "Account maintenance fee", "630000")
        for extra in banks[1:]:
            interest = round(rng.uniform(180, 420), 2)
            ledger.statement(extra, when + timedelta(days=4), interest, "Interest credit", "440000")
    for _ in range(6):
        amount = round(rng.uniform(80, 900), 2)
        when = today - timedelta(days=rng.randint(1, 150))
        tax = round(amount * TAX, 2)
        lines = [("101501", round(amount + tax, 2), 0.0), ("400000", 0.0, amount), ("251000", 0.0, tax)]
        ledger.move("CSH1", when, lines, label="Counter sale")

    _unreconciled(ledger, rng, banks, open_invoices, open_bills, customers)


def _unreconciled(
    ledger: Ledger,
    rng: Random,
    banks: list[str],
    open_invoices: list[tuple[int, float]],
    open_bills: list[tuple[int, float]],
    customers: list[int],
) -> None:
    """Statement lines still on the suspense account: some match open items, some match nothing."""
    today = ledger.data.today
    recent = [today - timedelta(days=d) for d in (1, 2, 3, 4, 5, 6, 8)]
    invoices = rng.sample(open_invoices, 4)
    for index, (partner, total) in enumerate(invoices[:3]):
        # The third deposit names no partner: a match on the amount alone.
        who = partner if index < 2 else None
        ref = f"TRANSFER REF {rng.randint(10**5, 10**6)}"
        ledger.statement(banks[index % len(banks)], recent[index], total, ref, "101701", who)
    stranger = next(c for c in customers if c != invoices[3][0])
    ledger.statement(banks[0], recent[3], invoices[3][1], "Customer deposit", "101701", stranger)
    for index, (partner, total) in enumerate(rng.sample(open_bills, 2)):
        ledger.statement(banks[0], recent[4 + index], -total, "Outgoing wire", "101701", partner)
    ledger.statement(banks[-1], recent[6], -35.0, "SERVICE CHARGE", "101701")
    ledger.statement(banks[0], recent[6], round(rng.uniform(150, 600), 2), "UNKNOWN DEPOSIT", "101701")
