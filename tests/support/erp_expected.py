"""What the Odoo tools should answer, computed from the demo's seeded records in plain Python (never
by the tools' code): the expectations the tool tests share."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime

from local.erp import Dataset, Record
from tests.support.erp import posted_lines


def name(data: Dataset, model: str, record_id: int | None) -> str | None:
    return data.display_name(model, record_id) if record_id else None


def internal_stock(data: Dataset) -> dict[tuple[int, int], Record]:
    usage = {loc["id"]: loc["usage"] for loc in data.records("stock.location")}
    return {
        (q["product_id"], q["location_id"]): q
        for q in data.records("stock.quant")
        if usage[q["location_id"]] == "internal"
    }


def active_leads(data: Dataset) -> list[Record]:
    return [lead for lead in data.records("crm.lead") if lead["active"]]


def won_stages(data: Dataset) -> set[int]:
    return {s["id"] for s in data.records("crm.stage") if s["is_won"]}


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # the ERP stores naive UTC


FORECAST_STATES = ("waiting", "confirmed", "partially_available", "assigned")


def forecast(data: Dataset, rule: Record) -> tuple[float, float]:
    """(on hand, forecast) at the rule's location and under it: quants, then transfers not yet done
    (a draft counts for nothing) dated up to the end of the rule's lead_days_date, as Odoo 17 does."""
    where = data.get("stock.location", rule["location_id"])["complete_name"]
    inside = {
        loc["id"]
        for loc in data.records("stock.location")
        if (loc["complete_name"] + "/").startswith(where + "/")
    }
    until = datetime.combine(rule["lead_days_date"], datetime.max.time())
    on_hand = sum(
        q["quantity"]
        for q in data.records("stock.quant")
        if q["product_id"] == rule["product_id"] and q["location_id"] in inside
    )
    coming = 0.0
    for move in data.where("stock.move", product_id=rule["product_id"]):
        if move["state"] in FORECAST_STATES and move["date"] <= until:
            if move["location_dest_id"] in inside and move["location_id"] not in inside:
                coming += move["product_uom_qty"]
            elif move["location_id"] in inside and move["location_dest_id"] not in inside:
                coming -= move["product_uom_qty"]
    return on_hand, on_hand + coming


def reorder_expectations(data: Dataset) -> dict[str, tuple[float, float, float]]:
    """Product -> (on hand, forecast, quantity to order), for rules whose forecast is below minimum."""
    expected = {}
    for rule in data.records("stock.warehouse.orderpoint"):
        on_hand, expected_stock = forecast(data, rule)
        if expected_stock < rule["product_min_qty"]:
            need = max(rule["product_max_qty"], rule["product_min_qty"]) - expected_stock
            order = math.ceil(need / rule["qty_multiple"]) * rule["qty_multiple"]
            expected[name(data, "product.product", rule["product_id"]) or ""] = (
                on_hand,
                expected_stock,
                order,
            )
    return expected


def sent_emails(data: Dataset) -> list[Record]:
    done = [m for m in data.where("mailing.mailing", state="done") if m["mailing_type"] == "mail"]
    return sorted(done, key=lambda m: m["sent_date"], reverse=True)


def currency_of(data: Dataset, currency: int) -> str:
    return str(data.get("res.currency", currency)["name"])


def company_of(data: Dataset, company: int) -> str:
    return str(data.get("res.company", company)["name"])


Ranking = dict[tuple[str, str], dict[str, list[float]]]


def confirmed_revenue(data: Dataset, since: datetime | None = None) -> Ranking:
    """(company, currency) -> customer -> [untaxed, with taxes, orders], of confirmed orders."""
    revenue: Ranking = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0]))
    for order in data.where("sale.order", state="sale"):
        if since is None or order["date_order"] >= since:
            key = (company_of(data, order["company_id"]), currency_of(data, order["currency_id"]))
            row = revenue[key][name(data, "res.partner", order["partner_id"]) or ""]
            row[0] += order["amount_untaxed"]
            row[1] += order["amount_total"]
            row[2] += 1
    return revenue


def company_names(data: Dataset) -> dict[int, str]:
    return {c["id"]: c["name"] for c in data.records("res.company")}


def cash_movements(data: Dataset, start: date, end: date) -> dict[str, dict[str, float]]:
    """Per company: money in and out of bank and cash accounts, transfers between its own banks
    (a bank line whose entry also has a line on the company's transfer account) counted apart."""
    names = company_names(data)
    transfer_accounts = {c["transfer_account_id"] for c in data.records("res.company")}
    transfer_moves = {
        line["move_id"]
        for line in data.records("account.move.line")
        if line["account_id"] in transfer_accounts
    }
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line, _ in posted_lines(data, types=("asset_cash",)):
        company = sums[names[line["company_id"]]]
        if line["date"] < start:
            company["opening"] += line["balance"]
        elif line["date"] <= end:
            moved = line["move_id"] in transfer_moves
            company["transfers_in" if moved else "inflow"] += line["debit"]
            company["transfers_out" if moved else "outflow"] += line["credit"]
            company["closing"] += line["balance"]
    for company in sums.values():
        company["closing"] += company["opening"]
    return sums


def open_items(data: Dataset) -> dict[int, Record]:
    """Open receivable and payable items, and payments waiting on an outstanding account: the
    company's default ones, or a reconcilable current asset of a bank journal (a payment method's)."""
    defaults = {
        account
        for company in data.records("res.company")
        for account in (
            company["account_journal_payment_debit_account_id"],
            company["account_journal_payment_credit_account_id"],
        )
    }
    banks = {j["id"] for j in data.records("account.journal") if j["type"] in ("bank", "cash")}
    return {
        line["id"]: line
        for line, account in posted_lines(data)
        if not line["reconciled"]
        and line["amount_residual_currency"]
        and (
            account["account_type"] in ("asset_receivable", "liability_payable")
            or account["id"] in defaults
            or (
                account["account_type"] == "asset_current"
                and account["reconcile"]
                and line["journal_id"] in banks
            )
        )
    }
