"""The 18 Odoo read tools against the demo ERP. Every expected value is computed here, in plain Python,
from the seeded records (never by the tool's code); acme and globex get different numbers, and
the chat API gives each tenant its own ERP, also after a tenant is bound to another server."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from statistics import mean
from typing import Any

import httpx
import pytest

from agent_core import (
    AgentRegistry,
    Runtime,
    Settings,
    SingleModelProvider,
    ToolServices,
    issue_api_key,
)
from agent_core.agents.finance import finance_agent
from agent_core.agents.general import general
from agent_core.agents.marketing import marketing_agent
from agent_core.agents.sales import sales_agent
from agent_core.agents.warehouse import warehouse_agent
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ToolResultBlock
from agent_core.tools.odoo import ODOO_TOOLS
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
from local.erp import Dataset, Record, RunningErp, start_erp
from tests.fakes.scripted_model import ScriptedModel
from tests.support.context import tool_services
from tests.support.erp import (
    TODAY,
    bank_balances,
    bound,
    invoke,
    odoo_secret,
    odoo_tenant,
    seeded,
)
from tests.support.stack import serve_stack

READS = (
    "search",
    "search_read",
    "search_count",
    "read",
    "read_group",
    "fields_get",
    "authenticate",
    "execute_kw",
)


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY) as running:
        yield running


@pytest.fixture
async def services() -> AsyncIterator[ToolServices]:
    services = tool_services(Settings(http_timeout_seconds=5))
    yield services
    await services.http.aclose()


async def run(tool: Any, db: str, erp: RunningErp, services: ToolServices, **arguments: Any) -> Any:
    return await invoke(tool, bound(db, erp.url, services), **arguments)


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


# The tools' shape.


def test_the_18_tools_are_read_only_and_callable_with_no_arguments_and_no_tenant_id() -> None:
    assert len(ODOO_TOOLS) == len({t.name for t in ODOO_TOOLS}) == 18
    for tool in ODOO_TOOLS:
        schema = tool.spec.input_schema
        assert tool.read_only and tool.description
        assert not schema.get("required"), f"{tool.name}: the local model calls tools with {{}}"
        assert not any("tenant" in parameter for parameter in schema["properties"])
    agents = (finance_agent, warehouse_agent, marketing_agent, sales_agent)
    assert sorted(n for a in agents for n in a.tools.names) == sorted(t.name for t in ODOO_TOOLS)


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_every_tool_answers_with_defaults_in_three_calls_and_two_per_other_company_after_one_login(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    logins = erp.calls["common.authenticate"]
    ctx = bound(db, erp.url, services)
    companies = len(seeded(db).records("res.company"))
    for tool in ODOO_TOOLS:
        before = erp.calls["object.execute_kw"]
        result = await invoke(tool, ctx)
        assert result, tool.name
        # get_gl_balance asks each company in turn (18.0's account codes are the current company's)
        assert erp.calls["object.execute_kw"] - before <= 3 + 2 * (companies - 1), tool.name
    assert erp.calls["common.authenticate"] - logins == 1


# Finance: see test_finance.py.


# Warehouse.


@pytest.mark.anyio
async def test_stock_levels_for_a_product_and_for_a_location(erp: RunningErp, services: ToolServices) -> None:
    data = seeded("acme")
    stock = internal_stock(data)

    desks = await run(get_stock_levels, "acme", erp, services, product="desk")
    shelf = await run(get_stock_levels, "acme", erp, services, location="shelf b")

    def rows(keep: Any) -> list[tuple[Any, ...]]:
        return sorted(
            (
                name(data, "product.product", p),
                name(data, "stock.location", loc),
                q["quantity"],
                q["reserved_quantity"],
            )
            for (p, loc), q in stock.items()
            if keep(name(data, "product.product", p), name(data, "stock.location", loc))
        )

    assert sorted(
        (r["product"], r["location"], r["on_hand"], r["reserved"]) for r in desks["levels"]
    ) == rows(lambda product, _: "desk" in product.lower())
    assert sorted(
        (r["product"], r["location"], r["on_hand"], r["reserved"]) for r in shelf["levels"]
    ) == rows(lambda _, location: location == "WH/Stock/Shelf B")
    assert all(r["available"] == r["on_hand"] - r["reserved"] for r in shelf["levels"])


def reorder_expectations(data: Dataset) -> dict[str, tuple[float, float]]:
    """Product -> (on hand under the rule's location, quantity to order), for rules below minimum."""
    stock = internal_stock(data)
    expected = {}
    for rule in data.records("stock.warehouse.orderpoint"):
        where = data.get("stock.location", rule["location_id"])["complete_name"]
        on_hand = sum(
            q["quantity"]
            for (p, loc), q in stock.items()
            if p == rule["product_id"]
            and (data.get("stock.location", loc)["complete_name"] + "/").startswith(where + "/")
        )
        if on_hand < rule["product_min_qty"]:
            need = rule["product_max_qty"] - on_hand
            order = math.ceil(need / rule["qty_multiple"]) * rule["qty_multiple"]
            expected[name(data, "product.product", rule["product_id"]) or ""] = (on_hand, order)
    return expected


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_reorder_alerts_refill_to_the_maximum_in_multiples(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    expected = reorder_expectations(seeded(db))

    result = await run(get_reorder_alerts, db, erp, services)

    assert {a["product"]: (a["on_hand"], a["suggested_quantity"]) for a in result["alerts"]} == expected
    assert expected and any(on_hand == 0 for on_hand, _ in expected.values())  # a sold-out product is there
    assert all(a["suggested_quantity"] % a["multiple"] == 0 for a in result["alerts"])
    assert result["rules_checked"] == len(seeded(db).records("stock.warehouse.orderpoint"))


@pytest.mark.parametrize("days", [90, 280])
@pytest.mark.anyio
async def test_slow_moving_stock_has_stock_and_no_done_move_for_days(
    days: int, erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("acme")
    on_hand: dict[int, float] = defaultdict(float)
    for (product, _), quant in internal_stock(data).items():
        on_hand[product] += quant["quantity"]
    last: dict[int, datetime] = {}
    for move in data.where("stock.move", state="done"):
        last[move["product_id"]] = max(last.get(move["product_id"], move["date"]), move["date"])
    cutoff = now() - timedelta(days=days)
    idle = {p: qty for p, qty in on_hand.items() if qty > 0 and last[p] < cutoff}

    result = await run(get_slow_moving_stock, "acme", erp, services, days=days)

    cost = {p: data.get("product.product", p)["standard_price"] for p in idle}
    assert {r["product"]: r["on_hand"] for r in result["products"]} == {
        name(data, "product.product", p): q for p, q in idle.items()
    }
    assert [r["stock_value"] for r in result["products"]] == sorted(
        (round(idle[p] * cost[p], 2) for p in idle), reverse=True
    )
    assert all(
        r["last_move"] == last[p].date().isoformat()
        for r, p in zip(result["products"], sorted(idle, key=lambda p: -idle[p] * cost[p]), strict=True)
    )
    assert idle and len(idle) < len(on_hand)


@pytest.mark.anyio
async def test_pending_receipts_are_open_incoming_transfers_with_late_ones_flagged(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    pending = sorted(
        (
            p
            for p in data.where("stock.picking", picking_type_code="incoming")
            if p["state"] not in ("done", "cancel")
        ),
        key=lambda p: (p["scheduled_date"], p["id"]),
    )

    result = await run(get_pending_receipts, "globex", erp, services)
    late = await run(get_pending_receipts, "globex", erp, services, late_only=True)

    assert [r["reference"] for r in result["receipts"]] == [p["name"] for p in pending]
    assert [r["late"] for r in result["receipts"]] == [p["scheduled_date"] < now() for p in pending]
    assert 0 < late["count"] == result["late"] < result["count"]
    first = pending[0]
    lines = sorted(
        (name(data, "product.product", m["product_id"]), m["product_uom_qty"])
        for m in data.where("stock.move", picking_id=first["id"])
    )
    assert sorted((line["product"], line["quantity"]) for line in result["receipts"][0]["lines"]) == lines
    assert result["receipts"][0]["vendor"] == name(data, "res.partner", first["partner_id"])


# Marketing.


@pytest.mark.anyio
async def test_pipeline_overview_counts_leads_and_opportunities_per_stage(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    stages = sorted(data.records("crm.stage"), key=lambda s: s["sequence"])

    result = await run(get_pipeline_overview, "globex", erp, services)

    expected = []
    for stage in stages:
        mine = [lead for lead in active_leads(data) if lead["stage_id"] == stage["id"]]
        expected.append(
            {
                "stage": stage["name"],
                "won_stage": stage["is_won"],
                "leads": sum(lead["type"] == "lead" for lead in mine),
                "opportunities": sum(lead["type"] == "opportunity" for lead in mine),
                "expected_revenue": pytest.approx(sum(lead["expected_revenue"] for lead in mine), abs=0.01),
            }
        )
    assert result["stages"] == expected
    assert [s["stage"] for s in result["stages"]] == ["New", "Qualified", "Proposition", "Negotiation", "Won"]


@pytest.mark.anyio
async def test_lead_scoring_ranks_open_leads_by_the_documented_score(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("acme")
    candidates = [lead for lead in active_leads(data) if lead["stage_id"] not in won_stages(data)]
    largest = max(lead["expected_revenue"] for lead in candidates)
    moment = now()

    def score(lead: Record) -> float:
        days = (moment - lead["date_last_stage_update"]).total_seconds() / 86400
        return float(
            0.4 * lead["probability"]
            + 30 * lead["expected_revenue"] / largest
            + 5 * int(lead["priority"])
            + 15 * max(0.0, 1 - days / 90)
        )

    result = await run(get_lead_scoring, "acme", erp, services, top=5)

    best = sorted(candidates, key=score, reverse=True)[:5]
    assert [lead["name"] for lead in result["leads"]] == [lead["name"] for lead in best]
    assert [lead["score"] for lead in result["leads"]] == [
        pytest.approx(score(lead), abs=0.1) for lead in best
    ]
    assert result["scored"] == len(candidates) and "40% probability" in result["method"]


@pytest.mark.anyio
async def test_campaign_metrics_and_rates_of_sent_campaigns(erp: RunningErp, services: ToolServices) -> None:
    data = seeded("acme")
    sent = sorted(data.where("mailing.mailing", state="done"), key=lambda m: m["sent_date"], reverse=True)

    result = await run(get_campaign_metrics, "acme", erp, services)

    assert [c["subject"] for c in result["campaigns"]] == [m["subject"] for m in sent]
    for campaign, mailing in zip(result["campaigns"], sent, strict=True):
        assert campaign["sent"] == mailing["sent"] and campaign["clicked"] == mailing["clicked"]
        assert campaign["open_rate"] == round(100 * mailing["opened"] / mailing["delivered"], 1)
        assert campaign["click_rate"] == round(100 * mailing["clicked"] / mailing["delivered"], 1)
        assert campaign["bounce_rate"] == round(100 * mailing["bounced"] / mailing["sent"], 1)
    totals = result["totals"]
    assert totals["opened"] == sum(m["opened"] for m in sent)
    assert totals["open_rate"] == round(100 * totals["opened"] / sum(m["delivered"] for m in sent), 1)
    assert len(sent) < len(data.records("mailing.mailing"))  # drafts and queued ones are not results


@pytest.mark.anyio
async def test_conversion_rates_through_the_stages_to_won_and_to_orders(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("acme")
    stages = sorted(data.records("crm.stage"), key=lambda s: s["sequence"])
    leads = data.records("crm.lead")
    position = {s["id"]: index for index, s in enumerate(stages)}
    won = [lead for lead in leads if lead["stage_id"] in won_stages(data)]
    ordered = {o["opportunity_id"] for o in data.where("sale.order", state="sale") if o["opportunity_id"]}

    result = await run(get_conversion_rates, "acme", erp, services)

    reached = [sum(position[lead["stage_id"]] >= i for lead in leads) for i in range(len(stages))]
    assert [s["reached"] for s in result["stages"]] == reached
    assert [s["to_next_stage"] for s in result["stages"][:-1]] == [
        round(100 * b / a, 1) for a, b in pairwise(reached)
    ]
    assert [s["lost_here"] for s in result["stages"]] == [
        sum(not lead["active"] and lead["stage_id"] == s["id"] for lead in leads) for s in stages
    ]
    assert (result["leads"], result["won"]) == (len(leads), len(won))
    assert result["lead_to_won"] == round(100 * len(won) / len(leads), 1)
    assert result["won_with_sales_order"] == len(ordered & {lead["id"] for lead in won}) > 0
    assert result["won_to_sales_order"] == round(100 * result["won_with_sales_order"] / len(won), 1)


# Sales.


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_pipeline_value_expected_and_weighted_per_open_stage(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    data = seeded(db)
    deals = [
        lead
        for lead in active_leads(data)
        if lead["type"] == "opportunity" and lead["stage_id"] not in won_stages(data)
    ]

    result = await run(get_pipeline_value, db, erp, services)

    for stage in result["stages"]:
        mine = [d for d in deals if name(data, "crm.stage", d["stage_id"]) == stage["stage"]]
        assert stage["opportunities"] == len(mine)
        assert stage["expected_revenue"] == pytest.approx(sum(d["expected_revenue"] for d in mine), abs=0.01)
        assert stage["weighted_revenue"] == pytest.approx(
            sum(d["expected_revenue"] * d["probability"] / 100 for d in mine), abs=0.05
        )
    assert result["opportunities"] == len(deals)
    assert "Won" not in [s["stage"] for s in result["stages"]]


@pytest.mark.anyio
async def test_deal_velocity_days_in_stage_and_days_to_win(erp: RunningErp, services: ToolServices) -> None:
    data = seeded("acme")
    moment = now()
    deals = [lead for lead in active_leads(data) if lead["type"] == "opportunity"]
    won = [
        d
        for d in deals
        if d["stage_id"] in won_stages(data) and d["date_closed"] >= moment - timedelta(days=365)
    ]

    result = await run(get_deal_velocity, "acme", erp, services)

    for stage in result["open_stages"]:
        days = [
            (moment - d["date_last_stage_update"]).total_seconds() / 86400
            for d in deals
            if name(data, "crm.stage", d["stage_id"]) == stage["stage"]
        ]
        assert stage["open_deals"] == len(days)
        assert stage["average_days_in_stage"] == pytest.approx(mean(days), abs=0.1)
    assert result["won_deals"] == len(won) > 0
    to_win = [(d["date_closed"] - d["create_date"]).total_seconds() / 86400 for d in won]
    assert result["average_days_to_win"] == pytest.approx(mean(to_win), abs=0.1)
    waits = result["longest_waiting"]
    assert len(waits) == 5 and waits == sorted(waits, key=lambda w: -w["days_in_stage"])


def confirmed_revenue(data: Dataset, since: datetime | None = None) -> dict[str, list[float]]:
    revenue: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for order in data.where("sale.order", state="sale"):
        if since is None or order["date_order"] >= since:
            row = revenue[name(data, "res.partner", order["partner_id"]) or ""]
            row[0] += order["amount_untaxed"]
            row[1] += order["amount_total"]
            row[2] += 1
    return revenue


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_top_customers_by_confirmed_revenue(db: str, erp: RunningErp, services: ToolServices) -> None:
    revenue = confirmed_revenue(seeded(db))
    best = sorted(revenue, key=lambda p: -revenue[p][0])[:5]

    result = await run(get_top_customers, db, erp, services, top=5)

    assert [c["customer"] for c in result["customers"]] == best
    assert [c["revenue"] for c in result["customers"]] == [
        pytest.approx(revenue[p][0], abs=0.01) for p in best
    ]
    assert [c["orders"] for c in result["customers"]] == [revenue[p][2] for p in best]
    assert result["total_revenue"] == pytest.approx(sum(r[0] for r in revenue.values()), abs=0.01)
    assert result["customers"][0]["share"] == round(100 * revenue[best[0]][0] / result["total_revenue"], 1)


@pytest.mark.anyio
async def test_top_customers_in_a_period_and_between_tenants(erp: RunningErp, services: ToolServices) -> None:
    since = TODAY - timedelta(days=120)
    revenue = confirmed_revenue(seeded("acme"), datetime.combine(since, datetime.min.time()))

    recent = await run(get_top_customers, "acme", erp, services, top=3, date_from=since.isoformat())
    globex = await run(get_top_customers, "globex", erp, services, top=3)

    assert [c["customer"] for c in recent["customers"]] == sorted(revenue, key=lambda p: -revenue[p][0])[:3]
    assert recent["total_revenue"] == pytest.approx(sum(r[0] for r in revenue.values()), abs=0.01)
    acme_names = {p["name"] for p in seeded("acme").records("res.partner")}
    assert not {c["customer"] for c in globex["customers"]} & acme_names


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_upsell_candidates_stopped_ordering_and_nobody_works_them(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    data = seeded(db)
    cutoff = now() - timedelta(days=90)
    last: dict[int, datetime] = {}
    revenue: dict[int, float] = defaultdict(float)
    for order in data.where("sale.order", state="sale"):
        last[order["partner_id"]] = max(
            last.get(order["partner_id"], order["date_order"]), order["date_order"]
        )
        revenue[order["partner_id"]] += order["amount_untaxed"]
    courted = {lead["partner_id"] for lead in active_leads(data) if lead["stage_id"] not in won_stages(data)}
    expected = sorted((p for p in last if last[p] < cutoff and p not in courted), key=lambda p: -revenue[p])

    result = await run(get_upsell_opportunities, db, erp, services, top=20)

    assert [c["customer"] for c in result["candidates"]] == [name(data, "res.partner", p) for p in expected]
    assert [c["lifetime_revenue"] for c in result["candidates"]] == [
        pytest.approx(revenue[p], abs=0.01) for p in expected
    ]
    assert [c["last_order"] for c in result["candidates"]] == [last[p].date().isoformat() for p in expected]
    dormant_but_courted = [p for p in last if last[p] < cutoff and p in courted]
    assert expected and dormant_but_courted  # the seed has both kinds


# Through the chat API: each tenant reads its own ERP, and a re-binding takes effect.


def last_tool_result(model: ScriptedModel) -> Any:
    blocks = [b for b in model.requests[-1].messages[-1].content if isinstance(b, ToolResultBlock)]
    assert len(blocks) == 1 and not blocks[0].is_error, blocks
    return json.loads(blocks[0].content)


def test_each_tenant_reads_its_own_erp_through_the_chat_api_and_a_rebinding_takes_effect(
    table: str, settings: Settings, erp: RunningErp
) -> None:
    model = ScriptedModel(
        [step for _ in range(3) for step in (call("get_bank_balance"), say("Here is the balance."))]
    )
    runtime = Runtime(
        settings.model_copy(update={"tenant_cache_seconds": 0}),
        models=SingleModelProvider(model),
        agents=AgentRegistry([general, finance_agent]),
    )
    keys = {}
    for tenant_id in ("acme", "globex"):
        runtime.tenants.put(odoo_tenant(tenant_id, erp.url))
        runtime.secrets.put_tenant_secret(tenant_id, odoo_secret(tenant_id))
        keys[tenant_id], _ = issue_api_key(runtime.api_keys, tenant_id, caller_id=f"{tenant_id}-cfo")

    with serve_stack(runtime) as base:

        def ask(tenant_id: str) -> Any:
            reply = httpx.post(
                f"{base}/agents/finance/chat",
                json={"message": "How much money do we have in the bank?"},
                headers={"X-API-Key": keys[tenant_id]},
                timeout=30,
            )
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["status"] == "completed" and [c["ok"] for c in body["tool_calls"]] == [True]
            return last_tool_result(model)

        acme, globex = ask("acme"), ask("globex")
        with start_erp(seed=2, today=TODAY) as moved:
            runtime.tenants.put(odoo_tenant("acme", moved.url))
            rebound = ask("acme")
            assert moved.calls["account.journal.search_read"] == 1

    def totals(result: Any) -> dict[str, float]:
        return {j["journal"]: j["balance"] for j in result["journals"]}

    assert totals(acme) == pytest.approx(bank_balances(seeded("acme")), abs=0.01)
    assert totals(globex) == pytest.approx(bank_balances(seeded("globex")), abs=0.01)
    assert totals(rebound) == pytest.approx(bank_balances(seeded("acme", 2)), abs=0.01)
    assert len({json.dumps(r["totals"]) for r in (acme, globex, rebound)}) == 3
