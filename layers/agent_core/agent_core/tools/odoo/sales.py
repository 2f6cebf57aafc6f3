"""Sales tools: pipeline value, deal velocity, top customers, upsell opportunities. Read-only."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean, median
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from agent_core.clock import utc_now
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.bounds import RECORDS, groups_of, page_of
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.currencies import Money, company_currencies
from agent_core.tools.odoo.marketing import crm_stages
from agent_core.tools.odoo.records import Many2one, Moment
from agent_core.tools.odoo.values import (
    DateFrom,
    DateTo,
    Period,
    Salesperson,
    Top,
    date_domain,
    id_of,
    moment_of,
    money,
    name_of,
    percent,
    today,
)

CONFIRMED = [["state", "=", "sale"]]


PipelineGroups = TypedDict(
    "PipelineGroups",
    {
        "company_id": Many2one,
        "stage_id": Many2one,
        "__count": int,
        "expected_revenue": float,
        "prorated_revenue": float,
    },
)


class StageValue(BaseModel):
    stage: str | None
    opportunities: int
    expected_revenue: float
    weighted_revenue: float


class CompanyPipeline(BaseModel):
    company: str | None
    currency: str | None
    stages: list[StageValue]
    opportunities: int
    expected_revenue: float
    weighted_revenue: float


class PipelineValue(BaseModel):
    companies: list[CompanyPipeline]
    truncated: bool
    note: str = (
        "each company in its own currency (a lead's revenue is in its company's currency); never added up"
    )


@tool(read_only=True)
async def get_pipeline_value(ctx: RunContext, salesperson: Salesperson = None) -> PipelineValue:
    """Open opportunities per company and CRM stage: expected revenue and probability-weighted revenue.

    Weighted revenue is expected revenue × probability, in the company's currency. Won and lost
    opportunities are left out, and so are stages folded in the pipeline that hold none.
    """
    erp = await odoo(ctx)
    stages = [stage for stage in await crm_stages(erp) if not stage["is_won"]]
    domain = [["type", "=", "opportunity"], ["stage_id.is_won", "=", False]]
    if salesperson:
        domain.append(["user_id", "ilike", salesperson])
    found = await groups_of(
        erp,
        "crm.lead",
        domain,
        ["expected_revenue:sum", "prorated_revenue:sum"],
        ["company_id", "stage_id"],
        PipelineGroups,
        lazy=False,
    )
    companies = sorted({g["company_id"] or (0, "") for g in found.rows}, key=lambda c: c[1])
    currencies = await company_currencies(erp, [c[0] for c in companies if c[0]])
    pipelines = []
    for company_id, company in companies:
        mine = [g for g in found.rows if id_of(g["company_id"]) == (company_id or None)]
        rows = []
        for stage in stages:
            here = [g for g in mine if id_of(g["stage_id"]) == stage["id"]]
            if stage["fold"] and not here:
                continue
            rows.append(
                StageValue(
                    stage=stage["name"],
                    opportunities=sum(g["__count"] for g in here),
                    expected_revenue=money(sum(g["expected_revenue"] for g in here)),
                    weighted_revenue=money(sum(g["prorated_revenue"] for g in here)),
                )
            )
        pipelines.append(
            CompanyPipeline(
                company=company or None,
                currency=currencies.get(company_id),
                stages=rows,
                opportunities=sum(r.opportunities for r in rows),
                expected_revenue=money(sum(r.expected_revenue for r in rows)),
                weighted_revenue=money(sum(r.weighted_revenue for r in rows)),
            )
        )
    return PipelineValue(companies=pipelines, truncated=found.truncated)


class Deal(TypedDict):
    id: int
    name: str
    stage_id: Many2one
    expected_revenue: float
    company_currency: Many2one
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
    expected_revenue: Money


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
                expected_revenue=Money(
                    amount=money(deal["expected_revenue"]), currency=name_of(deal["company_currency"])
                ),
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


OrdersByCustomer = TypedDict(
    "OrdersByCustomer",
    {
        "company_id": Many2one,
        "currency_id": Many2one,
        "partner_id": Many2one,
        "__count": int,
        "amount_untaxed": float,
        "amount_total": float,
    },
)


class Customer(BaseModel):
    rank: int
    customer: str | None
    orders: int
    revenue: float
    revenue_with_taxes: float
    share: float | None


class CurrencyRanking(BaseModel):
    company: str | None
    currency: str | None
    customers: list[Customer]
    total_revenue: float
    customers_with_orders: int


class TopCustomers(BaseModel):
    period: Period
    rankings: list[CurrencyRanking]
    truncated: bool
    note: str = (
        "one ranking per company and order currency: amounts of different currencies or companies are "
        "never added up; revenue is untaxed, share is of the ranking's total"
    )


@tool(read_only=True)
async def get_top_customers(
    ctx: RunContext, top: Top = 10, date_from: DateFrom = None, date_to: DateTo = None
) -> TopCustomers:
    """The customers with the most revenue from confirmed sales orders, biggest first, per company and
    per order currency (one ranking each; amounts in different currencies are not added up).

    Revenue is untaxed (also given with taxes); share is of the ranking's confirmed revenue in the period.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    domain = [*CONFIRMED, *date_domain("date_order", period.date_from, period.date_to)]
    found = await groups_of(
        erp,
        "sale.order",
        domain,
        ["amount_untaxed:sum", "amount_total:sum"],
        ["company_id", "currency_id", "partner_id"],
        OrdersByCustomer,
        orderby="amount_untaxed desc",
        lazy=False,
    )
    rankings: dict[tuple[str, str], list[OrdersByCustomer]] = {}
    for g in found.rows:
        rankings.setdefault((name_of(g["company_id"]) or "", name_of(g["currency_id"]) or ""), []).append(g)
    answers = []
    for (company, currency), groups in sorted(rankings.items()):
        total = money(sum(g["amount_untaxed"] for g in groups))
        answers.append(
            CurrencyRanking(
                company=company or None,
                currency=currency or None,
                customers=[
                    Customer(
                        rank=rank,
                        customer=name_of(g["partner_id"]),
                        orders=g["__count"],
                        revenue=money(g["amount_untaxed"]),
                        revenue_with_taxes=money(g["amount_total"]),
                        share=percent(g["amount_untaxed"], total),
                    )
                    for rank, g in enumerate(groups[:top], start=1)
                ],
                total_revenue=total,
                customers_with_orders=len(groups),
            )
        )
    return TopCustomers(period=period, rankings=answers, truncated=found.truncated)


LastOrders = TypedDict(
    "LastOrders",
    {
        "partner_id": Many2one,
        "company_id": Many2one,
        "currency_id": Many2one,
        "currency_rate": float,
        "__count": int,
        "amount_untaxed": float,
        "last": Moment,
    },
)


class ByPartnerAndCompany(TypedDict):
    partner_id: Many2one
    company_id: Many2one


class UpsellCandidate(BaseModel):
    customer: str | None
    company: str | None
    lifetime_revenue: list[Money]
    lifetime_revenue_in_company_currency: Money
    orders: int
    last_order: date | None
    days_since_last_order: int | None


class UpsellOpportunities(BaseModel):
    inactive_days: int
    candidates: list[UpsellCandidate]
    truncated: bool
    method: str = (
        "customers with confirmed sales orders, none in the last inactive_days days, and no open lead or "
        "opportunity in that company; lifetime revenue (untaxed) per order currency, and in the company's "
        "currency at the rate Odoo recorded on each order (sale.order.currency_rate, the order date's), "
        "which ranks them"
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
    in ``inactive_days`` days, and nobody in that company is working an open lead or opportunity with them.

    Per company (the ``top`` of each); ranked by lifetime revenue (untaxed) in the company's currency,
    converted at the rate Odoo recorded on each order; the revenue in each order currency is given too.
    """
    erp = await odoo(ctx)
    now = utc_now()
    found = await groups_of(
        erp,
        "sale.order",
        CONFIRMED,
        ["amount_untaxed:sum", "last:max(date_order)"],
        ["partner_id", "company_id", "currency_id", "currency_rate"],
        LastOrders,
        lazy=False,
    )
    courted = await groups_of(
        erp,
        "crm.lead",
        [["partner_id", "!=", False], ["stage_id.is_won", "=", False]],
        ["__count"],
        ["partner_id", "company_id"],
        ByPartnerAndCompany,
        lazy=False,
    )
    # Per company, as the rest of the answer: a lead of another company does not make this one's
    # customer busy; a lead of no company (shared by all, as Odoo's record rules read it) does.
    busy = {(id_of(g["partner_id"]), id_of(g["company_id"])) for g in courted.rows}
    ids = sorted({c for g in found.rows if (c := id_of(g["company_id"]))})
    currencies = await company_currencies(erp, ids)
    customers: dict[tuple[int | None, int | None], list[LastOrders]] = {}
    for g in found.rows:
        customers.setdefault((id_of(g["partner_id"]), id_of(g["company_id"])), []).append(g)
    since = now - timedelta(days=inactive_days)
    candidates = []
    for (partner, company), groups in customers.items():
        moments = [m for g in groups if (m := moment_of(g["last"]))]
        last = max(moments) if moments else None
        if {(partner, company), (partner, None)} & busy or (last is not None and last >= since):
            continue
        per_currency: dict[str | None, float] = {}
        for g in groups:
            currency = name_of(g["currency_id"])
            per_currency[currency] = per_currency.get(currency, 0.0) + g["amount_untaxed"]
        converted = sum(g["amount_untaxed"] / (g["currency_rate"] or 1.0) for g in groups)
        candidates.append(
            UpsellCandidate(
                customer=name_of(groups[0]["partner_id"]),
                company=name_of(groups[0]["company_id"]),
                lifetime_revenue=[
                    Money(amount=money(v), currency=c) for c, v in sorted(per_currency.items(), key=str)
                ],
                lifetime_revenue_in_company_currency=Money(
                    amount=money(converted), currency=currencies.get(company) if company else None
                ),
                orders=sum(g["__count"] for g in groups),
                last_order=last.date() if last else None,
                days_since_last_order=(now - last).days if last else None,
            )
        )
    candidates.sort(key=lambda c: (c.company or "", -c.lifetime_revenue_in_company_currency.amount))
    return UpsellOpportunities(
        inactive_days=inactive_days,
        candidates=candidates[:top],
        truncated=found.truncated or courted.truncated,
    )
