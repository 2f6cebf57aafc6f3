"""Accounting: currencies' rates, a chart of accounts per company, journals, balanced entries, and
bank statement lines.

Invoices and bills are posted (a few stay drafts); most are paid through a bank statement line
that is reconciled. Some statement lines are left unreconciled on the suspense account, a few of
them matching open invoices or bills, and a few matching customer payments registered in Odoo and
waiting on the outstanding receipts account, so reconciliation suggestions have something to find.
``globex`` also moves money between its own banks (on the company's liquidity transfer account),
keeps a bank account in euros, and has a second company, Globex Europe B.V., whose books are in euros.

Amounts follow Odoo 17's ``account.move.line``: ``balance`` (with ``debit`` and ``credit``) in the
company's currency, ``amount_currency`` in the line's ``currency_id`` (the journal's currency for a
foreign-currency bank journal), converted at the company's rate of the day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Protocol

from local.erp.dataset import Dataset

TAX = 0.15
SUSPENSE, TRANSFER = "101701", "101901"
OUTSTANDING_RECEIPTS, OUTSTANDING_PAYMENTS = "101801", "101802"
# A second bank's own outstanding receipts account: what a payment method line's
# ``payment_account_id`` names in Odoo 17 instead of the company's default.
METHOD_RECEIPTS = "101803"
CHART = (
    ("101501", "Cash", "asset_cash", False),
    (SUSPENSE, "Bank Suspense Account", "asset_current", False),
    (OUTSTANDING_RECEIPTS, "Outstanding Receipts", "asset_current", True),
    (OUTSTANDING_PAYMENTS, "Outstanding Payments", "asset_current", True),
    (TRANSFER, "Liquidity Transfer", "asset_current", True),
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
# Euros per US dollar from this many days before the reference day (res.currency.rate).
EUR_PER_USD = ((400, 0.93), (150, 0.91), (75, 0.92), (20, 0.94))

Line = tuple[str, float, float]  # (account code, debit, credit), in the entry's currency


def brought_forward(account_type: str) -> bool:
    """Odoo's ``include_initial_balance`` (addons/account/models/account_account.py, 17.0): false for
    the income and expense groups, whose balances start again at each fiscal year."""
    return account_type.split("_")[0] not in ("income", "expense")


class Books(Protocol):
    """What one company's books are made of (a :class:`Profile` or a :class:`Subsidiary`)."""

    @property
    def company(self) -> str: ...
    @property
    def banks(self) -> tuple[tuple[str, str, float], ...]: ...
    @property
    def foreign_banks(self) -> tuple[tuple[str, str, str, float], ...]: ...
    @property
    def invoice_range(self) -> tuple[float, float]: ...
    @property
    def bill_range(self) -> tuple[float, float]: ...
    @property
    def invoices(self) -> int: ...
    @property
    def bills(self) -> int: ...
    @property
    def rent(self) -> float: ...
    @property
    def payroll(self) -> float: ...


@dataclass
class OpenInvoice:
    partner: int
    total: float
    line_id: int  # its receivable (or payable) line


class Ledger:
    """Writes balanced journal entries of one company: one ``account.move`` and its lines."""

    def __init__(self, data: Dataset, company: int) -> None:
        self.data = data
        self.company = company
        self.currency = data.company_currency(company)
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
        """Post an entry in the journal's currency; lines on ``open_codes`` keep a residual."""
        total = round(sum(line[1] for line in lines), 2)
        assert total == round(sum(line[2] for line in lines), 2), f"unbalanced entry {lines}"
        data = self.data
        journal_record = data.get("account.journal", self.journals[journal])
        currency = journal_record["currency_id"] or self.currency
        balances = self._balances(lines, currency, when)
        if state == "posted":
            self._numbers[journal] += 1
            name = f"{journal}/{when.year}/{self._numbers[journal]:05d}"
        else:
            name = "/"
        move_id = data.add(
            "account.move",
            name=name,
            date=when,
            ref=label,
            journal_id=journal_record["id"],
            partner_id=partner,
            state=state,
            move_type=move_type,
            amount_total=total,
            currency_id=currency,
            company_id=self.company,
        )
        line_ids = []
        for (code, dr, cr), balance in zip(lines, balances, strict=True):
            account = data.get("account.account", self.accounts[code])
            open_item = account["reconcile"] and code in open_codes
            amount = round(dr - cr, 2)
            line_ids.append(
                data.add(
                    "account.move.line",
                    move_id=move_id,
                    move_name=name,
                    date=when,
                    name=label,
                    account_id=account["id"],
                    journal_id=journal_record["id"],
                    partner_id=partner,
                    debit=max(balance, 0.0),
                    credit=max(-balance, 0.0),
                    balance=balance,
                    amount_residual=balance if open_item else 0.0,
                    currency_id=currency,
                    amount_currency=amount,
                    amount_residual_currency=amount if open_item else 0.0,
                    company_currency_id=self.currency,
                    company_id=self.company,
                    parent_state=state,
                    reconciled=bool(account["reconcile"]) and not open_item,
                )
            )
        return move_id, line_ids

    def _balances(self, lines: list[Line], currency: int, when: date) -> list[float]:
        """Each line in the company's currency; the largest absorbs the rounding, as Odoo balances."""
        rate = self.data.rate(currency, self.company, when)
        balances = [round((dr - cr) / rate, 2) for _, dr, cr in lines]
        largest = max(range(len(balances)), key=lambda i: abs(balances[i]))
        balances[largest] = round(balances[largest] - sum(balances), 2)
        return balances

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
        journal_record = self.data.get("account.journal", self.journals[journal])
        return self.data.add(
            "account.bank.statement.line",
            date=when,
            payment_ref=ref,
            partner_id=partner,
            amount=amount,
            journal_id=journal_record["id"],
            move_id=move_id,
            currency_id=journal_record["currency_id"] or self.currency,
            company_id=self.company,
            is_reconciled=counterpart != SUSPENSE,
        )

    def bank_code(self, journal: str) -> str:
        account_id = self.data.get("account.journal", self.journals[journal])["default_account_id"]
        code: str = self.data.get("account.account", account_id)["code"]
        return code


def seed_finance(data: Dataset, rng: Random) -> None:
    profile = data.profile
    _rates(data)
    _books(data, rng, data.company_id(), profile)
    if profile.subsidiary:
        _books(data, rng, data.company_id(profile.subsidiary.company), profile.subsidiary)


def _rates(data: Dataset) -> None:
    """The rates of the other currency for each company (Odoo stores them per company)."""
    eur, usd = data.currency_id("EUR"), data.currency_id("USD")
    for company in data.records("res.company"):
        foreign = eur if company["currency_id"] == usd else usd
        for days, eur_per_usd in EUR_PER_USD:
            rate = eur_per_usd if foreign == eur else round(1 / eur_per_usd, 6)
            when = data.today - timedelta(days=days)
            data.add("res.currency.rate", name=when, rate=rate, currency_id=foreign, company_id=company["id"])


def _books(data: Dataset, rng: Random, company: int, books: Books) -> None:
    today = data.today
    ledger = Ledger(data, company)
    banks: list[tuple[str, str, int | None, float]] = [(c, n, None, b) for c, n, b in books.banks]
    banks += [
        (code, name, data.currency_id(currency), balance)
        for code, name, currency, balance in books.foreign_banks
    ]
    for index, (_, name, currency, _) in enumerate(banks):
        code = f"10140{index + 1}"
        ledger.accounts[code] = data.add(
            "account.account", code=code, name=name, account_type="asset_cash", currency_id=currency,
            company_id=company, include_initial_balance=True,
        )  # fmt: skip
    for code, name, kind, reconcile in CHART:
        ledger.accounts[code] = data.add(
            "account.account",
            code=code,
            name=name,
            account_type=kind,
            reconcile=reconcile,
            company_id=company,
            include_initial_balance=brought_forward(kind),
        )
    if len(books.banks) > 1:
        ledger.accounts[METHOD_RECEIPTS] = data.add(
            "account.account",
            code=METHOD_RECEIPTS,
            name=f"Outstanding Receipts ({books.banks[1][1]})",
            account_type="asset_current",
            reconcile=True,
            company_id=company,
            include_initial_balance=True,
        )
    data.get("res.company", company).update(
        transfer_account_id=ledger.accounts[TRANSFER],
        account_journal_suspense_account_id=ledger.accounts[SUSPENSE],
        account_journal_payment_debit_account_id=ledger.accounts[OUTSTANDING_RECEIPTS],
        account_journal_payment_credit_account_id=ledger.accounts[OUTSTANDING_PAYMENTS],
    )
    journals: list[tuple[str, str, str, str, int | None]] = [
        ("INV", "Customer Invoices", "sale", "400000", None)
    ]
    journals += [("BILL", "Vendor Bills", "purchase", "600000", None)]
    journals += [
        (code, name, "bank", f"10140{i + 1}", currency) for i, (code, name, currency, _) in enumerate(banks)
    ]
    main = company == data.company_id()  # only the main company keeps a till
    if main:
        journals.append(("CSH1", "Cash", "cash", "101501", None))
    journals.append(("MISC", "Miscellaneous Operations", "general", "", None))
    for code, name, kind, account, currency in journals:
        ledger.journals[code] = data.add(
            "account.journal",
            name=name,
            code=code,
            type=kind,
            default_account_id=ledger.accounts.get(account),
            currency_id=currency,
            company_id=company,
        )
    home = [code for code, _, currency, _ in banks if currency is None]
    opening = [
        (ledger.bank_code(code), balance, 0.0) for code, _, currency, balance in banks if currency is None
    ]
    opening += [("101501", 2_500.0, 0.0)] if main else []
    opening.append(("110100", 64_000.0, 0.0))
    capital = round(sum(line[1] for line in opening), 2)
    ledger.move("MISC", today - timedelta(days=200), [*opening, ("301000", 0.0, capital)], label="Opening")
    for code, _, currency, balance in banks:
        if currency is not None:  # a foreign-currency bank opens in its own currency, on its journal
            ledger.move(
                code,
                today - timedelta(days=200),
                [(ledger.bank_code(code), balance, 0.0), ("301000", 0.0, balance)],
                label="Opening",
            )

    customers = [p["id"] for p in data.records("res.partner") if p["customer_rank"]]
    vendors = [p["id"] for p in data.records("res.partner") if p["supplier_rank"]]
    open_invoices: list[OpenInvoice] = []
    open_bills: list[OpenInvoice] = []
    for kind, count in (("invoice", books.invoices), ("bill", books.bills)):
        low, high = books.invoice_range if kind == "invoice" else books.bill_range
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
            move_id, line_ids = ledger.move(
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
                bank = home[0] if kind == "bill" or rng.random() < 0.7 else rng.choice(home)
                ledger.statement(bank, paid_on, signed, f"Payment {name}", open_code, partner)
            elif not draft:
                item = OpenInvoice(partner, total, line_ids[0] if kind == "invoice" else line_ids[2])
                (open_invoices if kind == "invoice" else open_bills).append(item)

    for month in range(6, 0, -1):
        when = today - timedelta(days=30 * month - 3)
        ledger.statement(home[0], when, -books.rent, f"Rent {when:%B %Y}", "610000")
        payroll = f"Payroll {when:%B %Y}"
        ledger.statement(home[0], when + timedelta(days=1), -books.payroll, payroll, "620000")
        ledger.statement(home[0], when + timedelta(days=2), -42.5, "Account maintenance fee", "630000")
        for extra in home[1:]:
            interest = round(rng.uniform(180, 420), 2)
            ledger.statement(extra, when + timedelta(days=4), interest, "Interest credit", "440000")
        for code, _, currency, _ in banks:
            if currency is not None:
                interest = round(rng.uniform(60, 140), 2)
                ledger.statement(code, when + timedelta(days=5), interest, "Interest credit", "440000")
                supplier = round(rng.uniform(2_000, 6_000), 2)
                ledger.statement(code, when + timedelta(days=6), -supplier, "EU supplier payment", "600000")
        if len(home) > 1 and month % 2 == 0:
            _transfer(
                ledger, home[0], home[1], when + timedelta(days=8), round(rng.uniform(20_000, 45_000), 2)
            )
    for _ in range(6 if main else 0):
        amount = round(rng.uniform(80, 900), 2)
        when = today - timedelta(days=rng.randint(1, 150))
        tax = round(amount * TAX, 2)
        lines = [("101501", round(amount + tax, 2), 0.0), ("400000", 0.0, amount), ("251000", 0.0, tax)]
        ledger.move("CSH1", when, lines, label="Counter sale")

    _unreconciled(ledger, rng, home, open_invoices, open_bills, customers)


def _transfer(ledger: Ledger, source: str, destination: str, when: date, amount: float) -> None:
    """Money moved between two of the company's banks: each bank's statement line is reconciled
    with the company's liquidity transfer account (``res.company.transfer_account_id``), which the
    two legs leave at zero once the money has arrived (a day later)."""
    ledger.statement(source, when, -amount, f"Transfer to {destination}", TRANSFER)
    ledger.statement(destination, when + timedelta(days=1), amount, f"Transfer from {source}", TRANSFER)


def _unreconciled(
    ledger: Ledger,
    rng: Random,
    banks: list[str],
    open_invoices: list[OpenInvoice],
    open_bills: list[OpenInvoice],
    customers: list[int],
) -> None:
    """Statement lines still on the suspense account: some match open items, some payments
    registered on the outstanding receipts account, some match nothing."""
    today = ledger.data.today
    recent = [today - timedelta(days=d) for d in (1, 2, 3, 4, 5, 6, 8, 9, 10)]
    invoices = rng.sample(open_invoices, min(6, len(open_invoices)))
    for index, invoice in enumerate(invoices[:3]):
        # The third deposit names no partner: a match on the amount alone.
        who = invoice.partner if index < 2 else None
        ref = f"TRANSFER REF {rng.randint(10**5, 10**6)}"
        ledger.statement(banks[index % len(banks)], recent[index], invoice.total, ref, SUSPENSE, who)
    stranger = next(c for c in customers if c != invoices[3].partner)
    ledger.statement(banks[0], recent[3], invoices[3].total, "Customer deposit", SUSPENSE, stranger)
    for index, bill in enumerate(rng.sample(open_bills, min(2, len(open_bills)))):
        ledger.statement(banks[0], recent[4 + index], -bill.total, "Outgoing wire", SUSPENSE, bill.partner)
    ledger.statement(banks[-1], recent[6], -35.0, "SERVICE CHARGE", SUSPENSE)
    ledger.statement(banks[0], recent[6], round(rng.uniform(150, 600), 2), "UNKNOWN DEPOSIT", SUSPENSE)
    for index, invoice in enumerate(invoices[4:6]):
        # the second bank (if any) registers payments on its payment method's own account
        bank = banks[index % len(banks)]
        outstanding = METHOD_RECEIPTS if bank != banks[0] else OUTSTANDING_RECEIPTS
        _registered_payment(ledger, bank, recent[7 + index], invoice, outstanding)


def _registered_payment(
    ledger: Ledger, bank: str, when: date, invoice: OpenInvoice, outstanding: str
) -> None:
    """A customer payment registered in Odoo 17 before the bank statement arrived: the invoice is
    paid (its receivable line reconciled with the payment's), and the money waits on an outstanding
    receipts account (the payment method line's ``payment_account_id``, else the company's
    ``account_journal_payment_debit_account_id``) for the bank line, which is still on the suspense
    account (addons/account/models/account_payment.py)."""
    data = ledger.data
    receivable = data.get("account.move.line", invoice.line_id)
    receivable.update(amount_residual=0.0, amount_residual_currency=0.0, reconciled=True)
    lines = [(outstanding, invoice.total, 0.0), ("121000", 0.0, invoice.total)]
    ledger.move(
        bank,
        when - timedelta(days=2),
        lines,
        partner=invoice.partner,
        label="Customer payment",
        open_codes=(outstanding,),
    )
    ref = f"SEPA CREDIT {invoice.line_id:06d}"
    ledger.statement(bank, when, invoice.total, ref, SUSPENSE, invoice.partner)
