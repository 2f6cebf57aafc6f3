"""Marketing tools: pipeline overview, lead scoring, email campaign metrics, conversion rates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, Field, StringConstraints

from agent_core.clock import utc_now
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.bounds import GROUPS, RECORDS, groups_of, page_of
from agent_core.tools.odoo.client import OdooClient, odoo
from agent_core.tools.odoo.currencies import CompanyMoney, Money, company_currencies, per_company
from agent_core.tools.odoo.records import Many2one, Moment, Text
from agent_core.tools.odoo.values import (
    DateFrom,
    DateTo,
    Domain,
    Limit,
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

ALL_LEADS = {"active_test": False}  # lost leads are archived in Odoo; conversion counts them
SCORING = (
    "score 0-100 = 40% probability + 30% expected revenue (relative to the largest open one in the same "
    "currency) "
    "+ 15% priority (stars out of 3) + 15% recency (100 if the stage changed today, down to 0 at 90 days)"
)


class CrmStage(TypedDict):
    id: int
    name: str
    sequence: int
    is_won: bool
    fold: bool


LeadsByStageAndType = TypedDict(
    "LeadsByStageAndType",
    {"stage_id": Many2one, "type": Text, "company_id": Many2one, "expected_revenue": float, "__count": int},
)


class StageCount(BaseModel):
    stage: str | None
    won_stage: bool
    leads: int
    opportunities: int
    expected_revenue: list[CompanyMoney]


class PipelineOverview(BaseModel):
    stages: list[StageCount]
    leads: int
    opportunities: int
    expected_revenue: list[CompanyMoney]
    truncated: bool
    note: str = "expected revenue per company, in the company's currency; never added across companies"


@tool(read_only=True)
async def get_pipeline_overview(ctx: RunContext, salesperson: Salesperson = None) -> PipelineOverview:
    """Leads and opportunities per CRM stage (in stage order), with their expected revenue per company
    (in the company's currency).

    Open and won ones; lost (archived) ones are left out, and so are stages folded in the pipeline
    that hold none.
    """
    erp = await odoo(ctx)
    stages = await crm_stages(erp)
    domain = _assigned(salesperson)
    found = await groups_of(
        erp,
        "crm.lead",
        domain,
        ["expected_revenue:sum"],
        ["stage_id", "type", "company_id"],
        LeadsByStageAndType,
        lazy=False,
        limit=GROUPS,
    )
    groups = found.rows
    currencies = await company_currencies(erp, sorted({c for g in groups if (c := id_of(g["company_id"]))}))
    rows = []
    for stage in stages:
        mine = [g for g in groups if id_of(g["stage_id"]) == stage["id"]]
        if stage["fold"] and not mine:
            continue
        rows.append(
            StageCount(
                stage=stage["name"],
                won_stage=stage["is_won"],
                leads=sum(g["__count"] for g in mine if g["type"] == "lead"),
                opportunities=sum(g["__count"] for g in mine if g["type"] == "opportunity"),
                expected_revenue=per_company(_revenues(mine), currencies),
            )
        )
    return PipelineOverview(
        stages=rows,
        leads=sum(r.leads for r in rows),
        opportunities=sum(r.opportunities for r in rows),
        expected_revenue=per_company(_revenues(groups), currencies),
        truncated=found.truncated,
    )


def _revenues(groups: list[LeadsByStageAndType]) -> list[tuple[int | None, str | None, float]]:
    return [(id_of(g["company_id"]), name_of(g["company_id"]), g["expected_revenue"]) for g in groups]


class Lead(TypedDict):
    id: int
    name: str
    partner_id: Many2one
    stage_id: Many2one
    type: str
    expected_revenue: float
    probability: float
    priority: Annotated[str, StringConstraints(pattern=r"^\d$")] | Literal[False]  # "0" to "3" stars
    date_last_stage_update: Moment
    user_id: Many2one
    company_currency: Many2one


class ScoredLead(BaseModel):
    name: str
    customer: str | None
    stage: str | None
    type: str
    score: float
    probability: float
    expected_revenue: Money
    priority: int
    days_since_stage_change: float | None
    salesperson: str | None


class LeadScores(BaseModel):
    method: str = SCORING
    leads: list[ScoredLead]
    scored: int
    open_leads: int
    truncated: bool = Field(description="More open leads exist than were read and scored.")


@tool(read_only=True)
async def get_lead_scoring(ctx: RunContext, top: Top = 10, salesperson: Salesperson = None) -> LeadScores:
    """The open leads and opportunities most worth a call now, scored 0-100, best first.

    Score: 40% probability, 30% expected revenue (relative to the largest open one in its currency),
    15% priority (stars), 15% recency of the last stage change (full today, none after 90 days). Won
    and lost ones are left out.
    """
    erp = await odoo(ctx)
    domain = [["stage_id.is_won", "=", False], *_assigned(salesperson)]
    found = await page_of(
        erp, "crm.lead", domain, Lead, order="date_last_stage_update desc, id desc", limit=RECORDS
    )
    rows = found.rows
    now = utc_now()
    largest: dict[str | None, float] = {}  # per currency: revenues in different currencies do not compare
    for r in rows:
        currency = name_of(r["company_currency"])
        largest[currency] = max(largest.get(currency, 0.0), r["expected_revenue"])
    scored = []
    for r in rows:
        changed = moment_of(r["date_last_stage_update"])
        age = (now - changed).total_seconds() / 86400 if changed else None
        recency = max(0.0, 1 - age / 90) if age is not None else 0.0
        stars = int(r["priority"] or 0)
        currency = name_of(r["company_currency"])
        relative = r["expected_revenue"] / (largest[currency] or 1)
        score = 40 * r["probability"] / 100 + 30 * relative + 15 * stars / 3 + 15 * recency
        scored.append(
            ScoredLead(
                name=r["name"],
                customer=name_of(r["partner_id"]),
                stage=name_of(r["stage_id"]),
                type=r["type"],
                score=round(score, 1),
                probability=r["probability"],
                expected_revenue=Money(amount=money(r["expected_revenue"]), currency=currency),
                priority=stars,
                days_since_stage_change=round(age, 1) if age is not None else None,
                salesperson=name_of(r["user_id"]),
            )
        )
    scored.sort(key=lambda lead: -lead.score)
    return LeadScores(
        leads=scored[:top], scored=len(scored), open_leads=found.total, truncated=found.truncated
    )


class Counts(TypedDict):
    expected: int
    canceled: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    replied: int
    bounced: int
    failed: int


class Mailing(Counts):
    id: int
    subject: str
    sent_date: Moment
    received_ratio: float
    opened_ratio: float
    replied_ratio: float
    bounced_ratio: float
    clicks_ratio: float


class Campaign(BaseModel):
    subject: str
    sent_on: str | None
    sent: int
    delivered: int
    opened: int
    clicked: int
    replied: int
    bounced: int
    failed: int
    delivery_rate: float
    open_rate: float
    click_rate: float
    reply_rate: float
    bounce_rate: float
    click_to_open_rate: float | None


class CampaignMetrics(BaseModel):
    period: Period
    rates: str = (
        "percent, as Odoo's email marketing computes them: delivered, opened, clicked, replied and bounced "
        "emails each of the emails not cancelled; click_to_open is clicked of opened. Totals apply Odoo "
        "17's formula to the summed counts of the campaigns listed. Email mailings only (no SMS)."
    )
    campaigns: list[Campaign]
    totals: Campaign | None
    sent_campaigns: int
    truncated: bool


@tool(read_only=True)
async def get_campaign_metrics(
    ctx: RunContext, date_from: DateFrom = None, date_to: DateTo = None, limit: Limit = 20
) -> CampaignMetrics:
    """Sent email campaigns, newest first: sent, delivered, opened, clicked, replied, bounced, and rates.

    Rates are Odoo's own (percent of the emails not cancelled); click-to-open is clicked of opened.
    SMS mailings are left out. Totals cover the campaigns listed.
    """
    erp = await odoo(ctx)
    period = Period(date_from=date_from, date_to=date_to or today())
    domain = [
        ["mailing_type", "=", "mail"],
        ["state", "=", "done"],
        *date_domain("sent_date", period.date_from, period.date_to),
    ]
    found = await page_of(
        erp, "mailing.mailing", domain, Mailing, order="sent_date desc, id desc", limit=limit
    )
    rows = found.rows
    campaigns = [_campaign(r["subject"], day_of(r["sent_date"]), r, _odoo_rates(r)) for r in rows]
    totals = _summed(rows)
    return CampaignMetrics(
        period=period,
        campaigns=campaigns,
        totals=_campaign("all listed", None, totals, _rates_17(totals)) if rows else None,
        sent_campaigns=found.total,
        truncated=found.truncated,
    )


LeadsByStageAndState = TypedDict(
    "LeadsByStageAndState", {"stage_id": Many2one, "active": bool, "__count": int}
)


class ByOpportunity(TypedDict):
    opportunity_id: Many2one


class StageConversion(BaseModel):
    stage: str
    reached: int
    now_in_stage: int
    lost_here: int
    to_next_stage: float | None


class ConversionRates(BaseModel):
    method: str = (
        "stage history is not kept, so a lead in a later stage counts as having passed every earlier one; "
        "lost (archived) leads count in the stage where they were lost"
    )
    stages: list[StageConversion]
    leads: int
    won: int
    lead_to_won: float | None
    won_with_sales_order: int
    won_to_sales_order: float | None
    truncated: bool


@tool(read_only=True)
async def get_conversion_rates(ctx: RunContext, created_from: DateFrom = None) -> ConversionRates:
    """Funnel conversion: the share of leads reaching each next CRM stage (in stage order), lead → won,
    and won → confirmed sales order, in percent.

    Counts lost leads too. Stages folded in the pipeline that never held a lead are left out.
    Optionally only leads created from a given day.
    """
    erp = await odoo(ctx)
    stages = await crm_stages(erp)
    created: Domain = date_domain("create_date", created_from, None)
    found = await groups_of(
        erp,
        "crm.lead",
        created,
        ["__count"],
        ["stage_id", "active"],
        LeadsByStageAndState,
        lazy=False,
        context=ALL_LEADS,
    )
    groups = found.rows
    counted = [(s, _count(groups, s["id"], True), _count(groups, s["id"], False)) for s in stages]
    counted = [(s, active, lost) for s, active, lost in counted if active + lost or not s["fold"]]
    total = sum(active + lost for _, active, lost in counted)
    rows, reached = [], total
    for index, (stage, active, lost) in enumerate(counted):
        after = sum(later_active + later_lost for _, later_active, later_lost in counted[index + 1 :])
        rows.append(
            StageConversion(
                stage=stage["name"],
                reached=reached,
                now_in_stage=active,
                lost_here=lost,
                to_next_stage=percent(after, reached) if index < len(counted) - 1 else None,
            )
        )
        reached = after
    won = sum(active for stage, active, _ in counted if stage["is_won"])
    domain = [["state", "=", "sale"], ["opportunity_id.stage_id.is_won", "=", True]]
    domain += [["opportunity_id." + leaf[0], *leaf[1:]] for leaf in created]
    ordered = await groups_of(erp, "sale.order", domain, ["__count"], ["opportunity_id"], ByOpportunity)
    with_order = len(ordered.rows)
    return ConversionRates(
        stages=rows,
        leads=total,
        won=won,
        lead_to_won=percent(won, total),
        won_with_sales_order=with_order,
        won_to_sales_order=percent(with_order, won),
        truncated=found.truncated or ordered.truncated,
    )


async def crm_stages(erp: OdooClient) -> list[CrmStage]:
    """The CRM's stages, in the pipeline's order (folded ones too: a tool leaves them out if empty)."""
    return await erp.search_read("crm.stage", [], CrmStage, order="sequence, id", limit=GROUPS)


def _assigned(salesperson: str | None) -> Domain:
    return [["user_id", "ilike", salesperson]] if salesperson else []


def _count(groups: list[LeadsByStageAndState], stage: int, active: bool) -> int:
    return sum(g["__count"] for g in groups if id_of(g["stage_id"]) == stage and g["active"] is active)


def _odoo_rates(mailing: Mailing) -> dict[str, float]:
    """The ratios Odoo computed for one mailing (addons/mass_mailing/models/mailing.py)."""
    return {
        "delivery_rate": mailing["received_ratio"],
        "open_rate": mailing["opened_ratio"],
        "click_rate": mailing["clicks_ratio"],
        "reply_rate": mailing["replied_ratio"],
        "bounce_rate": mailing["bounced_ratio"],
    }


def _summed(rows: list[Mailing]) -> Counts:
    return Counts(
        expected=sum(r["expected"] for r in rows),
        canceled=sum(r["canceled"] for r in rows),
        sent=sum(r["sent"] for r in rows),
        delivered=sum(r["delivered"] for r in rows),
        opened=sum(r["opened"] for r in rows),
        clicked=sum(r["clicked"] for r in rows),
        replied=sum(r["replied"] for r in rows),
        bounced=sum(r["bounced"] for r in rows),
        failed=sum(r["failed"] for r in rows),
    )


def _rates_17(c: Counts) -> dict[str, float]:
    """Odoo 17's ``_compute_statistics`` formula: each count over the emails not cancelled (or 1)."""
    total = (c["expected"] - c["canceled"]) or 1
    return {
        "delivery_rate": round(100.0 * c["delivered"] / total, 2),
        "open_rate": round(100.0 * c["opened"] / total, 2),
        "click_rate": round(100.0 * c["clicked"] / total, 2),
        "reply_rate": round(100.0 * c["replied"] / total, 2),
        "bounce_rate": round(100.0 * c["bounced"] / total, 2),
    }


def _campaign(subject: str, sent_on: date | None, c: Counts, rates: dict[str, float]) -> Campaign:
    return Campaign(
        subject=subject,
        sent_on=str(sent_on) if sent_on else None,
        sent=c["sent"],
        delivered=c["delivered"],
        opened=c["opened"],
        clicked=c["clicked"],
        replied=c["replied"],
        bounced=c["bounced"],
        failed=c["failed"],
        click_to_open_rate=percent(c["clicked"], c["opened"]),
        **rates,
    )
