"""The demo ERP's read_group where Odoo 17 adds to a plain GROUP BY: the empty stages crm.lead's
group_expand fills in (with ``__fold``), and fields computed at read time refused for grouping and
aggregation. Expected values come from the seeded dataset."""

from __future__ import annotations

from collections import Counter

import pytest

from local.erp.engine import Engine
from local.erp.grouping import read_group
from local.erp.seed_sales import FOLDED_STAGE
from tests.support.erp import seeded


@pytest.fixture(scope="module")
def acme() -> Engine:
    return Engine(seeded("acme"))


def test_lazy_read_group_by_stage_fills_every_stage_in_stage_order_with_fold(acme: Engine) -> None:
    data = acme.data
    stages = sorted(data.records("crm.stage"), key=lambda s: (s["sequence"], s["name"], s["id"]))
    open_deals = [
        lead
        for lead in data.records("crm.lead")
        if lead["active"]
        and lead["type"] == "opportunity"
        and not data.get("crm.stage", lead["stage_id"])["is_won"]
    ]
    per_stage = Counter(lead["stage_id"] for lead in open_deals)

    groups = read_group(
        acme,
        "crm.lead",
        [["type", "=", "opportunity"], ["stage_id.is_won", "=", False]],
        ["expected_revenue:sum"],
        ["stage_id"],
    )

    assert [g["stage_id"] for g in groups] == [[s["id"], s["name"]] for s in stages]
    assert [g["stage_id_count"] for g in groups] == [per_stage[s["id"]] for s in stages]
    assert [g["__fold"] for g in groups] == [s["fold"] for s in stages]
    empty = [g for g in groups if not g["stage_id_count"]]
    assert {g["stage_id"][1] for g in empty} == {"Won", FOLDED_STAGE}
    assert all(g["expected_revenue"] is False for g in empty)  # Odoo's empty sum is false, not 0
    folded = next(g for g in groups if g["stage_id"][1] == FOLDED_STAGE)
    assert folded["__fold"] is True and ["stage_id", "=", folded["stage_id"][0]] in folded["__domain"]


def test_eager_read_group_and_other_fields_are_not_filled(acme: Engine) -> None:
    eager = read_group(acme, "crm.lead", [], ["__count"], ["stage_id", "type"], lazy=False)
    by_partner = read_group(acme, "crm.lead", [], ["__count"], ["user_id"])

    assert all(g["__count"] > 0 and "__fold" not in g for g in eager)
    assert all(g["user_id_count"] > 0 and "__fold" not in g for g in by_partner)


@pytest.mark.parametrize(
    ("fields", "groupby"),
    [
        (["__count"], ["opened"]),  # mailing.mailing's counters are computed, not stored
        (["opened:sum"], ["state"]),
        (["total:sum(sent)"], ["state"]),
    ],
)
def test_fields_odoo_does_not_store_cannot_be_grouped_or_aggregated(
    acme: Engine, fields: list[str], groupby: list[str]
) -> None:
    with pytest.raises(ValueError, match=r"^Cannot convert field mailing\.mailing\.(opened|sent) to SQL$"):
        read_group(acme, "mailing.mailing", [], fields, groupby)
    with pytest.raises(ValueError, match=r"stock\.warehouse\.orderpoint\.qty_forecast"):
        read_group(acme, "stock.warehouse.orderpoint", [], ["qty_forecast:sum"], ["location_id"])


def test_a_reorder_rules_stored_quantity_to_order_groups_where_its_forecast_cannot(acme: Engine) -> None:
    rules = acme.data.records("stock.warehouse.orderpoint")

    (group,) = read_group(acme, "stock.warehouse.orderpoint", [], ["qty_to_order:sum"], ["trigger"])

    assert group["qty_to_order"] == pytest.approx(sum(r["qty_to_order"] for r in rules))
    assert group["trigger_count"] == len(rules)


def test_a_plain_field_odoo_does_not_store_is_left_out_of_the_groups(acme: Engine) -> None:
    groups = read_group(acme, "mailing.mailing", [], ["opened", "subject"], ["mailing_type"], lazy=False)

    assert groups and all(set(g) == {"mailing_type", "__count", "__domain"} for g in groups)
    assert sorted(g["mailing_type"] for g in groups) == ["mail", "sms"]
