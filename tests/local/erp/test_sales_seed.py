"""The demo's sales and marketing records hold what Odoo would compute for them: a mailing's ratios
by the formula of the version imitated, an order's currency and rate from its company's books."""

from __future__ import annotations

import pytest

from local.erp import dataset
from tests.support.erp import TODAY, seeded


def ratio(part: int, whole: int) -> float:
    return round(100 * part / (whole or 1), 2)


@pytest.mark.parametrize("version", ["17.0", "18.0"])
def test_mailing_ratios_follow_the_formula_of_the_version(version: str) -> None:
    data = dataset("globex", today=TODAY, version=version)
    done = data.where("mailing.mailing", state="done")

    for m in done:
        total = m["expected"] - m["canceled"]
        no_error = total - m["bounced"] - m["failed"]
        opened_over, bounced_over = (total, total) if version == "17.0" else (no_error, total - m["failed"])
        assert m["received_ratio"] == pytest.approx(ratio(m["delivered"], total), abs=0.01)
        assert m["opened_ratio"] == pytest.approx(ratio(m["opened"], opened_over), abs=0.01)
        assert m["bounced_ratio"] == pytest.approx(ratio(m["bounced"], bounced_over), abs=0.01)
    assert {m["mailing_type"] for m in done} == {"mail", "sms"}
    assert all(m["opened"] == 0 for m in done if m["mailing_type"] == "sms")


@pytest.mark.parametrize("db", ["acme", "globex"])
def test_orders_carry_their_companys_rate_to_their_currency_on_their_day(db: str) -> None:
    data = seeded(db)

    for order in data.records("sale.order"):
        day = order["date_order"].date()
        assert order["currency_rate"] == data.rate(order["currency_id"], order["company_id"], day)
        if order["currency_id"] == data.company_currency(order["company_id"]):
            assert order["currency_rate"] == 1.0
        if order["opportunity_id"]:
            assert order["company_id"] == data.get("crm.lead", order["opportunity_id"])["company_id"]
    foreign = [o for o in data.records("sale.order") if o["currency_rate"] != 1.0]
    assert bool(foreign) == (db == "globex")
