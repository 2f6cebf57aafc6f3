"""Sales tools: pipeline value, deal velocity, top customers, upsell opportunities. Read-only."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean, median
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

from agent_core.clock import utc_now
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.bounds import RECORDS, groups_of, page_of
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.marketing import crm_stages
from agent_core.tools.odoo.records import Many2one, Moment
from agent_core.tools.odoo.values import (
    DateFrom,
    DateTo,
    Period,
    Salesperson,
    Top,
    date_domain,
    day_of,
    id_of,
    moment_of,
    money,
    name_of,
    percent,
    today,
)

CONFIRMED = [["state", "=", "sale"]]


# Grouped by stage, Odoo adds every stage with no record (crm.lead's group_expand) with its sums
# ``false``, and says whether each stage is folded (``__fold``).
PipelineByStage = TypedDict(
    "PipelineByStage",
    {
        "stage_id": Many2one,
        "stage_id_count": int,
        "expected_revenue": float | Literal[False],
        "prorated_revenue": float | Literal[False],
        "__fold": NotRequired[bool],
    },
)


class StageValue(BaseModel):
    stage: str | None
    opportunities: int
    expected_revenue: float
    weighted_revenue: float


class PipelineValue(BaseModel):
    stages: list[StageValue]
    opportunities: int
    expected_revenue: float
    weighted_revenue: float
    truncated: bool


@tool(read_only=True)
async def get_pipeline_value(ctx: RunContext, salesperson: Salesperson = None) -> PipelineValue:
    """Open opportunities per CRM stage: expected revenue and probability-weighted revenue.

    Weighted revenue is expected revenue × probability. Won and lost opportunities are left out, and
    so are stages folded in the pipeline that hold none.
    """
    erp = await odoo(ctx)
    won = {stage["id"] for stage in await crm_stages(erp) if stage["is_won"]}
    domain = [["type", "=", "opportunity"], ["stage_id.is_won", "=", False]]
    if salesperson:
        domain.append(["user_id", "ilike", salesperson])
    found = await groups_of(
        erp,
        "crm.lead",
        domain,
        ["expected_revenue:sum", "prorated_revenue:sum"],
        ["stage_id"],
        PipelineByStage,
        counted="stage_id_count",
    )
    stages = [
        StageValue(
            stage=name_of(g["stage_id"]),
            opportunities=g["stage_id_count"],
            expected_revenue=money(g["expected_revenue"]),
            weighted_revenue=money(g["prorated_revenue"]),
        )
        for g in found.rows
        if g["stage_id_count"] or not (g.get("__fold") or id_of(g["stage_id"]) in won)
    ]
    return PipelineValue(
        stages=stages,
        opportunities=sum(s.opportunities for s in stages),
        expected_revenue=money(sum(s.expected_revenue for s in stages)),
        weighted_revenue=money(sum(s.weighted_revenue for s in stages)),
        truncated=found.truncated,
    )


class Deal(TypedDict):
    id: int
    name: str
    stage_id: Many2one
    expected_revenue: float
    create_date: Moment
    date_last_stage_update: Moment
    date_closed: Moment


class StageAge(BaseModel):
    stage: str
    open_deals: int
    average_days_in_stage: float | None
    longest_days_in_stage: float | None


class StuckDeal(BaseModel):
    name: str
    stage: str | None
    days_in_stage: float
    expected_revenue: float


class DealVelocity(BaseModel):
    open_stages: list[StageAge]
    longest_waiting: list[StuckDeal]
    won_deals: int
    average_days_to_win: float | None
    median_days_to_win: float | None
    won_since: date
    opportunities_read: int
    opportunities: int
    truncated: bool = Field(description="More opportunities exist than were read; figures cover those read.")


@tool(read_only=True)
async def get_deal_velocity(
    ctx: RunContext,
    salesperson: Salesperson = None,
    won_within_days: Annotated[
        int, Field(ge=1, le=3650, description="Won deals closed in this window.")
    ] = 365,
) -> DealVelocity:
    """How fast deals move: days open opportunities have sat in their current stage (per stage, in
    stage order, and the five waiting longest), and days from creation to close for won deals.

    Stages folded in the pipeline with no open deal are left out."""
    erp = await odoo(ctx)
    now = utc_now()
    stages = await crm_stages(erp)
    domain = [["type", "=", "opportunity"]]
    if salesperson:
        domain.append(["user_id", "ilike", salesperson])
    found = await page_of(
        erp, "crm.lead", domain, Deal, order="date_last_stage_update desc, id desc", limit=RECORDS
    )
    deals = found.rows
    won_ids = {s["id"] for s in stages if s["is_won"]}
    since = now - timedelta(days=won_within_days)
    waiting, to_win = [], []
    for deal in deals:
        if id_of(deal["stage_id"]) in won_ids:
            closed, created = moment_of(deal["date_closed"]), moment_of(deal["create_date"])
            if closed and created and closed >= since:
                to_win.append((closed - created).total_seconds() / 86400)
        elif changed := moment_of(deal["date_last_stage_update"]):
            waiting.append((deal, (now - changed).total_seconds() / 86400))
    open_stages = []
    for stage in stages:
        if stage["id"] in won_ids:
            continue
        days = [d for deal, d in waiting if id_of(deal["stage_id"]) == stage["id"]]
        if stage["fold"] and not days:
            continue
        open_stages.append(
            StageAge(
                stage=stage["name"],
                open_deals=len(days),
                average_days_in_stage=round(mean(days), 1) if days else None,
                longest_days_in_stage=round(max(days), 1) if days else None,
            )
        )
    waiting.sort(key=lambda item: -item[1])
    return DealVelocity(
        open_stages=open_stages,
        longest_waiting=[
            StuckDeal(
                name=deal["name"],
                stage=name_of(deal["stage_id"]),
                days_in_stage=round(days, 1),
                expected_revenue=money(deal["expected_revenue"]),
            )
            for deal, days in waiting[:5]
        ],
        won_deals=len(to_win),
        average_days_to_win=round(mean(to_win), 1) if to_win else None,
        median_days_to_win=round(median(to_win), 1) if to_win else None,
        won_since=since.date(),
        opportunities_read=len(deals),
        opportunities=found.total,
        truncated=found.truncated,
    )


class RevenueByCustomer(TypedDict):
    partner_id: Many2one
    partner_id_count: int
    amount_untaxed: float


class OrdersByCustomer(RevenueByCustomer):
    amount_total: float


class Customer(BaseModel):
    rank: int
    customer: str | None
    orders: int
    revenue: float
    revenue_with_taxes: float
    share: float | None


class TopCustomers(BaseModel):
    period: Period
    customers: list[Customer]
    total_revenue: float
    customers_with_orders: int


@tool(read_only=True)
async def get_top_customers(
    ctx: RunContext, top: Top = 10, date_from: DateFrom = None, date_to: DateTo = None
) -> TopCustomers:
    """The customers with the most revenue from confirmed sales orders, biggest first.

    Revenue is untaxed (also given with taxes); share is of all confirmed revenue in the period.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    domain = [*CONFIRMED, *date_domain("date_order", period.date_from, period.date_to)]
    groups = await erp.read_group(
        "sale.order",
        domain,
        ["amount_untaxed:sum", "amount_total:sum"],
        ["partner_id"],
        OrdersByCustomer,
        orderby="amount_untaxed desc",
    )
    total = money(sum(g["amount_untaxed"] for g in groups))
    customers = [
        Customer(
            rank=rank,
            customer=name_of(g["partner_id"]),
            orders=g["partner_id_count"],
            revenue=money(g["amount_untaxed"]),
            revenue_with_taxes=money(g["amount_total"]),
            share=percent(g["amount_untaxed"], total),
        )
        for rank, g in enumerate(groups[:top], start=1)
    ]
    return TopCustomers(
        period=period, customers=customers, total_revenue=total, customers_with_orders=len(groups)
    )


class LastOrder(RevenueByCustomer):
    last: Moment


class ByPartner(TypedDict):
    partner_id: Many2one


class UpsellCandidate(BaseModel):
    customer: str | None
    lifetime_revenue: float
    orders: int
    last_order: date | None
    days_since_last_order: int | None


class UpsellOpportunities(BaseModel):
    inactive_days: int
    candidates: list[UpsellCandidate]
    method: str = (
        "customers with confirmed sales orders, none in the last inactive_days days, and no open "
        "lead or opportunity; most lifetime revenue first"
    )


@tool(read_only=True)
async def get_upsell_opportunities(
    ctx: RunContext,
    inactive_days: Annotated[
        int, Field(ge=1, le=3650, description="No confirmed order for this many days.")
    ] = 90,
    top: Top = 10,
) -> UpsellOpportunities:
    """Customers worth winning back: they have bought before (confirmed sales orders), have not ordered
    in ``inactive_days`` days, and nobody is working an open lead or opportunity with them.

    Ranked by lifetime revenue (untaxed).
    """
    erp = await odoo(ctx)
    now = utc_now()
    groups = await erp.read_group(
        "sale.order", CONFIRMED, ["amount_untaxed:sum", "last:max(date_order)"], ["partner_id"], LastOrder
    )
    courted = await erp.read_group(
        "crm.lead",
        [["partner_id", "!=", False], ["stage_id.is_won", "=", False]],
        ["__count"],
        ["partner_id"],
        ByPartner,
    )
    busy = {id_of(g["partner_id"]) for g in courted}
    since = now - timedelta(days=inactive_days)
    candidates = []
    for g in groups:
        last = moment_of(g["last"])
        if id_of(g["partner_id"]) in busy or (last is not None and last >= since):
            continue
        candidates.append(
            UpsellCandidate(
                customer=name_of(g["partner_id"]),
                lifetime_revenue=money(g["amount_untaxed"]),
                orders=g["partner_id_count"],
                last_order=day_of(g["last"]),
                days_since_last_order=(now - last).days if last else None,
            )
        )
    candidates.sort(key=lambda c: -c.lifetime_revenue)
    return UpsellOpportunities(inactive_days=inactive_days, candidates=candidates[:top])
