"""A tenant bound to one of globex's two companies gets that company's answers from all 18 Odoo
tools, and nothing of the other's; a binding naming a company the Odoo user lacks is a readable
tool error. Expected values are computed here, in plain Python, from the seeded records that
Odoo's multi-company record rules leave to that company (``only``), never by the tools' code."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from agent_core import OdooBinding, Tenant, ToolError, ToolServices
from agent_core.tools.odoo import ODOO_TOOLS
from agent_core.tools.odoo.banking import get_bank_balance, get_bank_transactions, reconcile_account
from agent_core.tools.odoo.finance import get_cash_flow, get_gl_balance, list_gl_accounts
from agent_core.tools.odoo.marketing import (
    get_campaign_metrics,
    get_conversion_rates,
    get_lead_scoring,
    get_pipeline_overview,
)
from agent_core.tools.odoo.sales import (
    get_deal_velocity,
    get_pipeline_value,
    get_top_customers,
    get_upsell_opportunities,
)
from agent_core.tools.odoo.warehouse import (
    get_pending_receipts,
    get_reorder_alerts,
    get_slow_moving_stock,
    get_stock_levels,
)
from local.erp import Dataset, RunningErp
from local.erp.schema import MODELS
from tests.support.erp import (
    TODAY,
    bank_balances,
    bank_totals,
    invoke,
    odoo_secret,
    posted_lines,
    run_context,
    seeded,
)
from tests.support.erp_expected import (
    active_leads,
    cash_movements,
    confirmed_revenue,
    internal_stock,
    name,
    now,
    open_items,
    reorder_expectations,
    sent_emails,
    won_stages,
)

pytestmark = pytest.mark.anyio
COMPANIES = {1: "Globex Corporation", 2: "Globex Europe B.V."}


def only(data: Dataset, company: int) -> Dataset:
    """What Odoo's multi-company record rules leave a call allowed ``company`` alone: records of
    that company or of none on models with ``company_id`` (res.users aside), that company itself."""
    tables = {}
    for model, table in data.tables.items():
        if model == "res.company":
            tables[model] = {i: r for i, r in table.items() if i == company}
        elif "company_id" in MODELS[model].fields and model != "res.users":
            tables[model] = {i: r for i, r in table.items() if r["company_id"] in (None, company)}
        else:
            tables[model] = dict(table)
    return replace(data, tables=tables)


async def ask(tool: Any, url: str, services: ToolServices, companies: list[int], **arguments: Any) -> Any:
    odoo = OdooBinding.model_validate({"url": url, "db": "globex", "companies": companies})
    ctx = run_context(Tenant(tenant_id="globex", name="Globex", odoo=odoo), odoo_secret("globex"), services)
    return await invoke(tool, ctx, **arguments)


def currency(data: Dataset, company: int) -> str:
    return str(data.get("res.currency", data.company_currency(company))["name"])


@pytest.mark.parametrize("version", ["17.0", "18.0"])
@pytest.mark.parametrize("company", [1, 2])
async def test_all_18_tools_answer_for_the_bound_company_only(
    company: int, version: str, erp: RunningErp, erp18: RunningErp, services: ToolServices
) -> None:
    data, mine, other = only(seeded("globex"), company), COMPANIES[company], COMPANIES[3 - company]
    cur = currency(data, company)
    url = erp18.url if version == "18.0" else erp.url
    answers: dict[str, Any] = {}

    async def run(tool: Any, **arguments: Any) -> Any:
        answers[tool.name] = await ask(tool, url, services, [company], **arguments)
        return answers[tool.name]

    # Finance.
    since = TODAY - timedelta(days=90)
    income: dict[str, float] = defaultdict(float)
    for line, account in posted_lines(data):
        if account["code"].startswith("4") and since <= line["date"] <= TODAY:
            income[account["code"]] += line["balance"]
    gl = await run(get_gl_balance, account_code="4", date_from=since.isoformat())
    [block] = gl["companies"]
    assert (block["company"], block["currency"]) == (mine, cur)
    assert {a["code"]: a["balance"] for a in block["accounts"]} == pytest.approx(dict(income), abs=0.01)

    chart = await run(list_gl_accounts)
    assert [c["company"] for c in chart["companies"]] == [mine]
    codes = sorted(a["code"] for a in data.records("account.account"))
    assert [a["code"] for a in chart["companies"][0]["accounts"]] == codes

    start = TODAY - timedelta(days=180)
    cash = await run(get_cash_flow, date_from=start.isoformat(), granularity="quarter")
    sums = cash_movements(data, start, TODAY)[mine]
    [flow] = cash["companies"]
    assert (flow["company"], flow["currency"]) == (mine, cur)
    assert flow["opening_balance"] == pytest.approx(sums["opening"], abs=0.01)
    assert flow["closing_balance"] == pytest.approx(sums["closing"], abs=0.05)
    assert flow["total_inflow"] == pytest.approx(sums["inflow"], abs=0.02)
    assert (flow["transfers_in"], flow["transfers_out"]) == pytest.approx(
        (sums["transfers_in"], sums["transfers_out"]), abs=0.01
    )

    banks = await run(get_bank_balance)
    assert {j["journal"]: j["balance"] for j in banks["journals"]} == pytest.approx(
        bank_balances(data), abs=0.01
    )
    assert {(t["company"], t["currency"]): t["total"] for t in banks["totals"]} == pytest.approx(
        bank_totals(data), abs=0.01
    )

    lines = sorted(
        data.records("account.bank.statement.line"), key=lambda r: (r["date"], r["id"]), reverse=True
    )
    moves = await run(get_bank_transactions, limit=500)
    assert [t["id"] for t in moves["transactions"]] == [r["id"] for r in lines]
    assert {t["company"] for t in moves["transactions"]} == {mine}

    matches = await run(reconcile_account)
    considered = [s["statement_line"]["id"] for s in matches["suggestions"]] + [
        u["statement_line"]["id"] for u in matches["unmatched"]
    ]
    assert sorted(considered) == sorted(r["id"] for r in lines if not r["is_reconciled"])
    assert matches["open_items_total"] == len(open_items(data))

    # Warehouse (all of globex's stock is its first company's).
    pairs = internal_stock(data)
    levels = await run(get_stock_levels, limit=max(1, len(pairs)))
    assert sorted((r["product"], r["location"], r["on_hand"]) for r in levels["levels"]) == sorted(
        (name(data, "product.product", p), name(data, "stock.location", loc), q["quantity"])
        for (p, loc), q in pairs.items()
    )
    alerts = await run(get_reorder_alerts)
    assert {
        a["product"]: (a["on_hand"], a["forecast"], a["suggested_quantity"]) for a in alerts["alerts"]
    } == (reorder_expectations(data))
    on_hand: dict[int, float] = defaultdict(float)
    for (product, _), quant in pairs.items():
        on_hand[product] += quant["quantity"]
    last: dict[int, datetime] = {}
    for move in data.where("stock.move", state="done"):
        last[move["product_id"]] = max(last.get(move["product_id"], move["date"]), move["date"])
    cutoff = now() - timedelta(days=90)
    slow = await run(get_slow_moving_stock, days=90)
    assert {r["product"] for r in slow["products"]} == {
        name(data, "product.product", p) for p, qty in on_hand.items() if qty > 0 and last[p] < cutoff
    }
    receipts = await run(get_pending_receipts)
    pending = [
        p
        for p in data.where("stock.picking", picking_type_code="incoming")
        if p["state"] not in ("done", "cancel")
    ]
    assert [r["reference"] for r in receipts["receipts"]] == [
        p["name"] for p in sorted(pending, key=lambda p: (p["scheduled_date"], p["id"]))
    ]
    assert bool(pairs and pending) == (company == 1)

    # Marketing.
    leads = active_leads(data)
    overview = await run(get_pipeline_overview)
    assert overview["expected_revenue"] == [
        {
            "company": mine,
            "currency": cur,
            "amount": pytest.approx(sum(x["expected_revenue"] for x in leads), abs=0.01),
        }
    ]
    scoring = await run(get_lead_scoring)
    open_leads = [lead for lead in leads if lead["stage_id"] not in won_stages(data)]
    assert scoring["open_leads"] == len(open_leads)
    assert {lead["expected_revenue"]["currency"] for lead in scoring["leads"]} == {cur}
    campaigns = await run(get_campaign_metrics)  # mailing.mailing has no company: shared by both
    assert campaigns["sent_campaigns"] == len(sent_emails(data))
    conversion = await run(get_conversion_rates)
    every_lead = data.records("crm.lead")
    assert (conversion["leads"], conversion["won"]) == (
        len(every_lead),
        sum(lead["stage_id"] in won_stages(data) for lead in every_lead),
    )

    # Sales.
    deals = [lead for lead in leads if lead["type"] == "opportunity"]
    value = await run(get_pipeline_value)
    open_deals = [d for d in deals if d["stage_id"] not in won_stages(data)]
    assert [(c["company"], c["currency"], c["opportunities"]) for c in value["companies"]] == [
        (mine, cur, len(open_deals))
    ]
    velocity = await run(get_deal_velocity)
    assert velocity["opportunities"] == len(deals)
    top = await run(get_top_customers, top=5)
    revenue = confirmed_revenue(data)
    assert [(r["company"], r["currency"]) for r in top["rankings"]] == sorted(revenue)
    assert {(r["company"], r["currency"]): r["total_revenue"] for r in top["rankings"]} == pytest.approx(
        {key: sum(row[0] for row in customers.values()) for key, customers in revenue.items()}, abs=0.01
    )
    upsell = await run(get_upsell_opportunities, top=20)
    orders: dict[int, datetime] = {}
    converted: dict[int, float] = defaultdict(float)
    for order in data.where("sale.order", state="sale"):
        orders[order["partner_id"]] = max(
            orders.get(order["partner_id"], order["date_order"]), order["date_order"]
        )
        converted[order["partner_id"]] += order["amount_untaxed"] / order["currency_rate"]
    courted = {lead["partner_id"] for lead in open_leads}
    dormant = [p for p, when in orders.items() if when < cutoff and p not in courted]
    assert [(c["customer"], c["company"]) for c in upsell["candidates"]] == [
        (name(data, "res.partner", p), mine) for p in sorted(dormant, key=lambda p: -converted[p])[:20]
    ]

    assert len(answers) == len(ODOO_TOOLS) == 18
    for tool, answer in answers.items():
        assert other not in json.dumps(answer), tool


async def test_on_odoo_18_each_journals_account_keeps_its_code_whichever_company_is_current(
    erp18: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    accounts = {a["id"]: a for a in data.records("account.account")}
    expected = {
        j["name"]: f"{accounts[j['default_account_id']]['code']} {accounts[j['default_account_id']]['name']}"
        for j in data.records("account.journal")
        if j["type"] in ("bank", "cash")
    }

    for companies in ([1, 2], [2, 1], []):
        banks = await ask(get_bank_balance, erp18.url, services, companies)
        assert {j["journal"]: j["account"] for j in banks["journals"]} == expected, companies
    matches = await ask(reconcile_account, erp18.url, services, [1, 2])
    registered = {
        s["match"]["account"] for s in matches["suggestions"] if s["match"]["kind"] == "registered payment"
    }
    assert registered and all(label.split(" ")[0].isdigit() for label in registered)
    found = await ask(reconcile_account, erp18.url, services, [1, 2], account_code="1018")
    assert {s["statement_line"]["company"] for s in found["suggestions"]} == set(COMPANIES.values())


async def test_a_binding_to_a_company_the_odoo_user_lacks_is_a_readable_error_from_every_tool(
    erp: RunningErp, services: ToolServices
) -> None:
    for tool in ODOO_TOOLS:
        with pytest.raises(ToolError, match="Access to unauthorized or invalid companies") as refused:
            await ask(tool, erp.url, services, [2, 3])
        assert "--odoo-company" in str(refused.value), tool.name
