"""Warehouse tools: stock on hand, reorder alerts, slow-moving stock, pending receipts. Read-only."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from agent_core.clock import utc_now
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.bounds import GROUPS, RECORDS, groups_of, page_of
from agent_core.tools.odoo.client import odoo
from agent_core.tools.odoo.currencies import Money
from agent_core.tools.odoo.records import Day, Many2one, Moment, Text
from agent_core.tools.odoo.values import (
    Domain,
    Limit,
    day_of,
    id_of,
    moment_of,
    money,
    name_of,
    wire_moment,
)

INTERNAL: Domain = [["location_id.usage", "=", "internal"]]
Product = Annotated[str | None, Field(description="Part of a product's name or internal reference.")]
Location = Annotated[str | None, Field(description="Part of a location's full name, e.g. WH/Stock.")]


class ProductStock(TypedDict):
    product_id: Many2one
    quantity: float


class QuantSum(ProductStock):
    location_id: Many2one


class QuantSums(QuantSum):
    reserved_quantity: float


class StockLevel(BaseModel):
    product: str | None
    location: str | None
    on_hand: float
    reserved: float
    available: float


class StockLevels(BaseModel):
    levels: list[StockLevel]
    total_on_hand: float
    products: int
    truncated: bool = Field(description="More product/location pairs match; totals are of those listed.")


@tool(read_only=True)
async def get_stock_levels(
    ctx: RunContext, product: Product = None, location: Location = None, limit: Limit = 200
) -> StockLevels:
    """Quantity on hand, reserved and available per product and internal stock location.

    Optionally for products or locations whose name matches the given text.
    """
    erp = await odoo(ctx)
    domain = [*INTERNAL, *_like("product_id", product), *_like("location_id", location)]
    found = await groups_of(
        erp,
        "stock.quant",
        domain,
        ["quantity:sum", "reserved_quantity:sum"],
        ["product_id", "location_id"],
        QuantSums,
        lazy=False,
        limit=limit,
    )
    groups = found.rows
    levels = [
        StockLevel(
            product=name_of(g["product_id"]),
            location=name_of(g["location_id"]),
            on_hand=g["quantity"],
            reserved=g["reserved_quantity"],
            available=round(g["quantity"] - g["reserved_quantity"], 4),
        )
        for g in groups
    ]
    return StockLevels(
        levels=levels,
        total_on_hand=round(sum(level.on_hand for level in levels), 4),
        products=len({level.product for level in levels}),
        truncated=found.truncated,
    )


class ReorderRule(TypedDict):
    id: int
    product_id: Many2one
    location_id: Many2one
    product_min_qty: float
    product_max_qty: float
    qty_multiple: float
    qty_on_hand: float
    qty_forecast: float
    lead_days_date: Day


class ReorderAlert(BaseModel):
    product: str | None
    location: str | None
    on_hand: float
    forecast: float
    forecast_until: date | None
    minimum: float
    maximum: float
    multiple: float
    suggested_quantity: float


class ReorderAlerts(BaseModel):
    alerts: list[ReorderAlert]
    rules_checked: int
    rules_total: int
    truncated: bool
    method: str = (
        "Odoo's forecast (on hand plus incoming, minus outgoing transfers not yet done, up to the rule's "
        "lead time, at the rule's location and under it) below the rule's minimum; the suggestion brings "
        "the forecast to the maximum, rounded up to the rule's multiple, as Odoo's replenishment does."
    )


@tool(read_only=True)
async def get_reorder_alerts(ctx: RunContext, location: Location = None) -> ReorderAlerts:
    """Products whose forecast stock is below the minimum of their reorder rule, with how much to order.

    The forecast is Odoo's own (on hand, plus receipts, minus deliveries expected within the rule's
    lead time), so stock already on its way is counted. Most urgent first (lowest share of the minimum
    forecast).
    """
    erp = await odoo(ctx)
    rules = await page_of(
        erp, "stock.warehouse.orderpoint", _like("location_id", location), ReorderRule, limit=RECORDS
    )
    alerts = []
    for rule in rules.rows:
        forecast, minimum, maximum = rule["qty_forecast"], rule["product_min_qty"], rule["product_max_qty"]
        if forecast >= minimum:
            continue
        alerts.append(
            ReorderAlert(
                product=name_of(rule["product_id"]),
                location=name_of(rule["location_id"]),
                on_hand=rule["qty_on_hand"],
                forecast=forecast,
                forecast_until=day_of(rule["lead_days_date"]),
                minimum=minimum,
                maximum=maximum,
                multiple=rule["qty_multiple"],
                suggested_quantity=_round_up(max(maximum, minimum) - forecast, rule["qty_multiple"]),
            )
        )
    alerts.sort(key=lambda a: (a.forecast / a.minimum if a.minimum else 0.0, a.product or ""))
    return ReorderAlerts(
        alerts=alerts, rules_checked=len(rules.rows), rules_total=rules.total, truncated=rules.truncated
    )


class LastMove(TypedDict):
    product_id: Many2one
    last: Moment


class ProductCost(TypedDict):
    id: int
    display_name: str
    standard_price: float
    cost_currency_id: Many2one


class SlowMover(BaseModel):
    product: str | None
    on_hand: float
    stock_value: Money
    last_move: date | None
    days_since_last_move: int | None


class SlowMovingStock(BaseModel):
    days: int
    products: list[SlowMover]
    total_value: list[Money]
    idle_products: int
    truncated: bool = Field(description="More products hold stock than were read; the list is of those.")


@tool(read_only=True)
async def get_slow_moving_stock(
    ctx: RunContext,
    days: Annotated[int, Field(ge=1, le=3650, description="Idle for at least this many days.")] = 90,
    location: Location = None,
    limit: Limit = 50,
) -> SlowMovingStock:
    """Products with stock on hand and no done stock move (in or out) in the last ``days`` days.

    Largest stock value (quantity × cost, in the cost's currency) first; ``last_move`` is empty if it
    never moved.
    """
    erp = await odoo(ctx)
    now = utc_now()
    stock = await groups_of(
        erp,
        "stock.quant",
        [*INTERNAL, *_like("location_id", location)],
        ["quantity:sum"],
        ["product_id"],
        ProductStock,
        limit=GROUPS,
    )
    on_hand = {p: g["quantity"] for g in stock.rows if (p := id_of(g["product_id"])) and g["quantity"] > 0}
    moved = await groups_of(
        erp,
        "stock.move",
        [["state", "=", "done"], ["product_id", "in", list(on_hand)]],
        ["last:max(date)"],
        ["product_id"],
        LastMove,
        limit=GROUPS,
    )
    last = {id_of(g["product_id"]): moment_of(g["last"]) for g in moved.rows}
    since = now - timedelta(days=days)
    idle = [p for p in on_hand if (moment := last.get(p)) is None or moment < since]
    costs = await erp.read("product.product", idle, ProductCost) if idle else []
    movers = []
    for product in costs:
        moment = last.get(product["id"])
        movers.append(
            SlowMover(
                product=product["display_name"],
                on_hand=on_hand[product["id"]],
                stock_value=Money(
                    amount=money(on_hand[product["id"]] * product["standard_price"]),
                    currency=name_of(product["cost_currency_id"]),
                ),
                last_move=moment.date() if moment else None,
                days_since_last_move=(now - moment).days if moment else None,
            )
        )
    movers.sort(key=lambda m: -m.stock_value.amount)
    totals: dict[str | None, float] = {}
    for m in movers:
        totals[m.stock_value.currency] = totals.get(m.stock_value.currency, 0.0) + m.stock_value.amount
    return SlowMovingStock(
        days=days,
        products=movers[:limit],
        total_value=[Money(amount=money(v), currency=c) for c, v in sorted(totals.items(), key=str)],
        idle_products=len(movers),
        truncated=stock.truncated,
    )


class Picking(TypedDict):
    id: int
    name: str
    partner_id: Many2one
    scheduled_date: Moment
    state: str
    origin: Text


class ReceiptMove(TypedDict):
    id: int
    picking_id: Many2one
    product_id: Many2one
    product_uom_qty: float


class ReceiptLine(BaseModel):
    product: str | None
    quantity: float


class PendingReceipt(BaseModel):
    reference: str
    vendor: str | None
    scheduled: str | None
    state: str
    source: str | None
    late: bool
    days_late: int | None
    lines: list[ReceiptLine]


class PendingReceipts(BaseModel):
    receipts: list[PendingReceipt]
    count: int
    late: int
    total: int = Field(description="Receipts matching in Odoo; more than count when the limit cut the list.")
    truncated: bool


@tool(read_only=True)
async def get_pending_receipts(
    ctx: RunContext,
    vendor: Annotated[str | None, Field(description="Part of the vendor's name.")] = None,
    late_only: bool = False,
    limit: Limit = 50,
) -> PendingReceipts:
    """Incoming transfers (receipts from vendors) not yet done or cancelled, soonest first.

    ``late`` means the scheduled date has passed; each receipt lists its products and quantities.
    """
    erp = await odoo(ctx)
    now = utc_now()
    domain: Domain = [["picking_type_code", "=", "incoming"], ["state", "not in", ["done", "cancel"]]]
    domain += _like("partner_id", vendor)
    if late_only:
        domain.append(["scheduled_date", "<", wire_moment(now)])
    found = await page_of(erp, "stock.picking", domain, Picking, order="scheduled_date, id", limit=limit)
    pickings = found.rows
    lines = await page_of(
        erp, "stock.move", [["picking_id", "in", [p["id"] for p in pickings]]], ReceiptMove, limit=RECORDS
    )
    moves = lines.rows
    receipts = []
    for picking in pickings:
        scheduled = moment_of(picking["scheduled_date"])
        late = scheduled is not None and scheduled < now
        receipts.append(
            PendingReceipt(
                reference=picking["name"],
                vendor=name_of(picking["partner_id"]),
                scheduled=picking["scheduled_date"] or None,
                state=picking["state"],
                source=picking["origin"] or None,
                late=late,
                days_late=(now - scheduled).days if late and scheduled else None,
                lines=[
                    ReceiptLine(product=name_of(m["product_id"]), quantity=m["product_uom_qty"])
                    for m in moves
                    if id_of(m["picking_id"]) == picking["id"]
                ],
            )
        )
    return PendingReceipts(
        receipts=receipts,
        count=len(receipts),
        late=sum(r.late for r in receipts),
        total=found.total,
        truncated=found.truncated or lines.truncated,
    )


def _like(field: str, text: str | None) -> Domain:
    return [[field, "ilike", text]] if text else []


def _round_up(quantity: float, multiple: float) -> float:
    if multiple and multiple > 0:
        return float(math.ceil(round(quantity / multiple, 6)) * multiple)
    return float(quantity)
