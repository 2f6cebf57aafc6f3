"""CRM and sales: stages, leads and opportunities, sales orders, and email campaigns.

A few customers are dormant: their last confirmed order is 120+ days old. One of them is being
courted (an open opportunity), the others are nobody's: upsell candidates. After the won stage
comes a folded one that holds no lead ("On Hold"): Odoo's ``read_group`` still returns it. Among
the campaigns are a few SMS mailings, sent like the emails. With a second company (globex), a fifth
of the leads are its own, its orders are in its currency (EUR), and three in ten of the first
company's orders not won from a lead are on a EUR pricelist; each order keeps Odoo's
``currency_rate`` (the company currency's rate to the order's on the order day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random
from typing import Any

from local.erp.dataset import Dataset

FOLDED_STAGE = "On Hold"
SMS_CAMPAIGNS = ("Flash Sale Tonight", "Your Order Is Ready", "Weekend Store Hours")


def seed_sales(data: Dataset, rng: Random) -> None:
    profile = data.profile
    stages = [
        data.add("crm.stage", name=name, sequence=number, is_won=probability >= 100)
        for number, (name, probability) in enumerate(profile.stages, start=1)
    ]
    typical = dict(zip(stages, (probability for _, probability in profile.stages), strict=True))
    data.add("crm.stage", name=FOLDED_STAGE, sequence=len(stages) + 1, fold=True)
    users = [u["id"] for u in data.records("res.users") if u["login"] not in ("admin", data.login)]
    customers = [p["id"] for p in data.records("res.partner") if p["customer_rank"]]
    shuffled = rng.sample(customers, len(customers))
    dormant, active = shuffled[:4], shuffled[4:]
    main = data.company_id()
    second = next((c["id"] for c in data.records("res.company") if c["id"] != main), None)

    def lead(partner: int | None, outcome: str, kind: str = "opportunity") -> int:
        company = second if second and rng.random() < 0.2 else main
        created = data.days_ago(rng.uniform(5, 300))
        age = (data.now - created).total_seconds() / 86400
        values: dict[str, Any] = {"stage_id": stages[0], "probability": float(rng.choice((5, 10, 15)))}
        if outcome == "won":
            closed = min(created + timedelta(days=rng.uniform(10, 90)), data.days_ago(1))
            values = {"stage_id": stages[-1], "probability": 100.0, "date_closed": closed}
        elif kind == "opportunity":
            stage = rng.choice(stages[:-1])
            probability = min(99.0, max(1.0, typical[stage] + rng.randint(-5, 10)))
            values = {"stage_id": stage, "probability": probability}
        if outcome == "lost":
            lost_on = min(created + timedelta(days=rng.uniform(5, 60)), data.now)
            values.update(probability=0.0, active=False, date_closed=lost_on)
        updated = values.get("date_closed") or created + timedelta(days=rng.uniform(0, age))
        expected = round(rng.uniform(*profile.invoice_range) * rng.choice((1, 1, 2, 3)), 2)
        topic = rng.choice(profile.lead_topics)
        who = data.get("res.partner", partner)["name"] if partner else "Website inquiry"
        return data.add(
            "crm.lead",
            name=f"{who}: {topic}",
            partner_id=partner,
            type=kind,
            expected_revenue=expected,
            prorated_revenue=round(expected * values["probability"] / 100, 2),
            priority=rng.choice("001123"),
            create_date=created,
            date_last_stage_update=min(updated, data.now),
            user_id=rng.choice(users),
            company_id=company,
            company_currency=data.company_currency(company),
            active=values.pop("active", True),
            **values,
        )

    won: list[int] = []
    for _ in range(profile.leads):
        partner = rng.choice(active) if rng.random() < 0.9 else None
        roll = rng.random()
        if roll < 0.2:
            lead(partner, "lost" if rng.random() < 0.2 else "open", kind="lead")
            continue
        outcome = "won" if roll < 0.45 else "lost" if roll < 0.6 else "open"
        lead_id = lead(partner, outcome)
        if outcome == "won" and partner:
            won.append(lead_id)
    lead(dormant[0], "open")

    orders: list[dict[str, Any]] = []
    for lead_id in won[: round(len(won) * 0.8)]:
        opportunity = data.get("crm.lead", lead_id)
        orders.append(
            _order(rng, opportunity["partner_id"], opportunity["date_closed"], "sale", users, opportunity)
        )
    for partner in dormant:
        orders.append(_order(rng, partner, data.days_ago(rng.uniform(120, 360)), "sale", users))
    for _ in range(profile.orders):
        partner = rng.choice(customers)
        days = rng.uniform(120, 360) if partner in dormant else rng.uniform(1, 360)
        state = rng.choices(("sale", "draft", "sent", "cancel"), (7, 1, 1, 1))[0]
        if partner in dormant and state in ("draft", "sent"):
            state = "sale"
        orders.append(_order(rng, partner, data.days_ago(days), state, users))
    if second:  # a second company: some of the first's customers buy on a EUR pricelist, and its own orders
        eur = data.currency_id("EUR")
        for order in orders:
            if not order["opportunity_id"] and rng.random() < 0.3:
                order["currency_id"] = eur
        for _ in range(profile.orders // 3):
            state = rng.choices(("sale", "draft", "cancel"), (8, 1, 1))[0]
            orders.append(_order(rng, rng.choice(active), data.days_ago(rng.uniform(1, 360)), state, users))
            orders[-1].update(company_id=second, currency_id=data.company_currency(second))
    for order in orders:
        order.setdefault("company_id", main)
        order.setdefault("currency_id", data.company_currency(order["company_id"]))
        order["currency_rate"] = data.rate(
            order["currency_id"], order["company_id"], order["date_order"].date()
        )
    for number, order in enumerate(sorted(orders, key=lambda o: o["date_order"]), start=1):
        data.add("sale.order", name=f"S{number:05d}", **order)

    _campaigns(data, rng)


def _order(
    rng: Random,
    partner: int,
    when: datetime,
    state: str,
    users: list[int],
    opportunity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    untaxed = opportunity["expected_revenue"] if opportunity else round(rng.uniform(400, 18_000), 2)
    won_in = {"company_id": opportunity["company_id"]} if opportunity else {}  # in the lead's company
    return {
        **won_in,
        "partner_id": partner,
        "date_order": when,
        "state": state,
        "amount_untaxed": untaxed,
        "amount_total": round(untaxed * 1.15, 2),
        "opportunity_id": opportunity["id"] if opportunity else None,
        "user_id": opportunity["user_id"] if opportunity else rng.choice(users),
    }


def _campaigns(data: Dataset, rng: Random) -> None:
    """Sent campaigns about every three weeks; the newest two are still a draft and queued.

    SMS mailings go out between them. The counters are what ``_compute_statistics`` counts on the
    mailing's traces, the ratios what its formula makes of them (see ``_ratios``). Odoo computes
    them when read; the demo keeps them on the record, marked not stored in the schema.
    """
    subjects = data.profile.campaigns
    for index, subject in enumerate(subjects):
        pending = len(subjects) - index
        if pending <= 2:
            state = "draft" if pending == 1 else "in_queue"
            data.add("mailing.mailing", subject=subject, mailing_type="mail", state=state)
            continue
        sent_date = data.days_ago(pending * 21 + rng.uniform(0, 6))
        counts = _traces(rng)
        data.add("mailing.mailing", subject=subject, mailing_type="mail", sent_date=sent_date, **counts)
    for number, subject in enumerate(SMS_CAMPAIGNS, start=1):
        sent_date = data.days_ago(number * 30 + rng.uniform(0, 9))
        counts = _traces(rng, sms=True)
        data.add("mailing.mailing", subject=subject, mailing_type="sms", sent_date=sent_date, **counts)
    for mailing in data.records("mailing.mailing"):
        if mailing["state"] == "done":
            mailing.update(_ratios(mailing, data.version))


def _traces(rng: Random, *, sms: bool = False) -> dict[str, Any]:
    """A done mailing's counters and ratios; an SMS is never "opened"."""
    expected = rng.randint(800, 6000)
    canceled = round(expected * rng.uniform(0.0, 0.03))  # blacklisted, duplicates, opted out
    failed = round(expected * rng.uniform(0.0, 0.01))
    sent = expected - canceled - failed
    bounced = round(sent * rng.uniform(0.01, 0.05))
    delivered = sent - bounced
    opened = 0 if sms else round(delivered * rng.uniform(0.15, 0.45))
    replied = round((delivered if sms else opened) * rng.uniform(0.01, 0.06))
    clicked = round((delivered if sms else opened) * rng.uniform(0.1, 0.4))
    return {
        "state": "done",
        "expected": expected,
        "canceled": canceled,
        "failed": failed,
        "sent": sent,
        "bounced": bounced,
        "delivered": delivered,
        "opened": opened,
        "replied": replied,
        "clicked": clicked,
    }


def _ratios(m: dict[str, Any], version: str) -> dict[str, float]:
    """addons/mass_mailing/models/mailing.py, ``_compute_statistics`` and ``_compute_clicks_ratio``,
    rounded to 2 digits. 17.0: each over the traces not cancelled. 18.0: opened and replied over
    those neither bounced nor failed either, bounced over those not failed, clicks over the traces
    not bounced, cancelled or in error."""
    total = (m["expected"] - m["canceled"]) or 1
    no_error = (m["expected"] - m["canceled"] - m["bounced"] - m["failed"]) or 1
    sent = (m["expected"] - m["canceled"] - m["failed"]) or 1
    modern = version != "17.0"
    parts = {
        "received_ratio": (m["delivered"], total),
        "opened_ratio": (m["opened"], no_error if modern else total),
        "replied_ratio": (m["replied"], no_error if modern else total),
        "bounced_ratio": (m["bounced"], sent if modern else total),
        "clicks_ratio": (m["clicked"], no_error if modern else total),
    }
    return {name: _round2(100.0 * part / whole) for name, (part, whole) in parts.items()}


def _round2(value: float) -> float:
    """Odoo's ``float_round(value, precision_digits=2)``: half away from zero."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
