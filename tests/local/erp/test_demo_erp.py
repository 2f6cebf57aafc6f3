"""The demo ERP speaks Odoo 17's JSON-RPC: logins per database, domains, order and paging,
read_group, and errors shaped as Odoo's. Expected values come from the seeded dataset."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from local.erp import DATABASES, Dataset, Record, RunningErp, credentials, dataset, start_erp
from local.erp.schema import MODELS
from tests.support.erp import TODAY, seeded
from tests.support.sockets import closed_url


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY) as running:
        yield running


class Rpc:
    """A bare JSON-RPC caller, as any Odoo client library would call the server."""

    def __init__(self, url: str) -> None:
        self.url = url + "/jsonrpc"

    def call(self, service: str, method: str, *args: Any) -> dict[str, Any]:
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        response = httpx.post(self.url, json={**body, "id": 7}, timeout=10)
        assert response.status_code == 200
        reply: dict[str, Any] = response.json()
        assert reply["jsonrpc"] == "2.0" and reply["id"] == 7
        return reply

    def execute(self, db: str, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        login, key = credentials(db)
        uid = self.call("common", "authenticate", db, login, key, {})["result"]
        reply = self.call("object", "execute_kw", db, uid, key, model, method, list(args), kwargs)
        assert "error" not in reply, reply["error"]["data"]["message"]
        return reply["result"]

    def error(self, db: str, model: str, method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        known = db if db in DATABASES else "acme"  # the right user, even for a database that is not there
        _, key = credentials(known)
        uid = seeded(known).uid
        reply = self.call("object", "execute_kw", db, uid, key, model, method, list(args), kwargs)
        error: dict[str, Any] = reply["error"]
        return error


@pytest.fixture(scope="module")
def rpc(erp: RunningErp) -> Rpc:
    return Rpc(erp.url)


# Logging in.


def test_each_database_has_its_own_user_and_a_wrong_key_logs_nobody_in(rpc: Rpc) -> None:
    acme_login, acme_key = credentials("acme")
    globex_login, globex_key = credentials("globex")

    assert (
        rpc.call("common", "authenticate", "acme", acme_login, acme_key, {})["result"] == seeded("acme").uid
    )
    assert (
        rpc.call("common", "authenticate", "globex", globex_login, globex_key, {})["result"]
        == seeded("globex").uid
    )
    assert rpc.call("common", "authenticate", "acme", acme_login, "wrong-key", {})["result"] is False
    assert rpc.call("common", "authenticate", "globex", acme_login, acme_key, {})["result"] is False
    assert rpc.call("common", "version")["result"]["server_serie"] == "17.0"


def test_a_call_with_a_wrong_key_is_refused_with_odoos_error_shape(rpc: Rpc) -> None:
    login, _ = credentials("acme")
    reply = rpc.call(
        "object", "execute_kw", "acme", seeded("acme").uid, "wrong-key", "res.partner", "search", [[]], {}
    )

    error = reply["error"]
    assert (error["code"], error["message"]) == (200, "Odoo Server Error")
    assert error["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert error["data"]["message"] == "Access Denied"
    assert error["data"]["arguments"] == ["Access Denied"]
    assert isinstance(error["data"]["debug"], str) and login not in error["data"]["debug"]


@pytest.mark.parametrize(
    ("call", "name", "message"),
    [
        (
            ("nope", "res.partner", "search", []),
            "psycopg2.OperationalError",
            'database "nope" does not exist',
        ),
        (("acme", "foo.bar", "search", []), "odoo.exceptions.UserError", "Object foo.bar doesn't exist"),
        (
            ("acme", "res.partner", "search", [["nope", "=", 1]]),
            "builtins.ValueError",
            "Invalid field 'nope' on model 'res.partner'",
        ),
        (
            ("acme", "account.move.line", "search", [["account_id.nope", "=", 1]]),
            "builtins.ValueError",
            "Invalid field 'nope' on model 'account.account'",
        ),
        (
            ("acme", "res.partner", "search", ["|", ["name", "=", "x"]]),
            "builtins.ValueError",
            "syntactically",
        ),
        (("acme", "res.partner", "search", [["name", "~", "x"]]), "builtins.ValueError", "Invalid leaf"),
        (("acme", "res.partner", "write", [1], {"name": "x"}), "odoo.exceptions.AccessError", "not allowed"),
    ],
)
def test_mistakes_come_back_as_odoo_errors(rpc: Rpc, call: tuple[Any, ...], name: str, message: str) -> None:
    db, model, method, *args = call
    error = rpc.error(db, model, method, *args)

    assert error["code"] == 200 and error["data"]["name"] == name
    assert message in error["data"]["message"]
    assert "Traceback" in error["data"]["debug"]


def test_unknown_fields_to_read_or_order_by_are_refused(rpc: Rpc) -> None:
    read = rpc.error("acme", "res.partner", "search_read", [], fields=["name", "nope"])
    order = rpc.error("acme", "res.partner", "search_read", [], order="nope desc")

    assert read["data"]["message"] == "Invalid field 'nope' on model 'res.partner'"
    assert order["data"]["name"] == "builtins.ValueError" and 'Invalid "order"' in order["data"]["message"]


# Domains, against the same question asked of the seeded records in Python.

ACME = seeded("acme")
ORDERS = ACME.records("sale.order")
MEDIAN = sorted(o["amount_untaxed"] for o in ORDERS)[len(ORDERS) // 2]
CONTOSO = ACME.where("res.partner", name="Contoso Ltd")[0]["id"]
SINCE = ACME.days_ago(60)


def partner_name(order: Record) -> str:
    return str(ACME.get("res.partner", order["partner_id"])["name"])


DOMAINS: list[tuple[list[Any], Callable[[Record], bool]]] = [
    ([["state", "=", "sale"]], lambda o: o["state"] == "sale"),
    ([["state", "!=", "sale"]], lambda o: o["state"] != "sale"),
    ([["amount_untaxed", "<", MEDIAN]], lambda o: o["amount_untaxed"] < MEDIAN),
    ([["amount_untaxed", "<=", MEDIAN]], lambda o: o["amount_untaxed"] <= MEDIAN),
    ([["amount_untaxed", ">", MEDIAN]], lambda o: o["amount_untaxed"] > MEDIAN),
    ([["amount_untaxed", ">=", MEDIAN]], lambda o: o["amount_untaxed"] >= MEDIAN),
    ([["state", "in", ["draft", "sent"]]], lambda o: o["state"] in ("draft", "sent")),
    ([["state", "not in", ["draft", "sent"]]], lambda o: o["state"] not in ("draft", "sent")),
    ([["partner_id", "=", CONTOSO]], lambda o: o["partner_id"] == CONTOSO),
    ([["partner_id", "ilike", "contoso"]], lambda o: "contoso" in partner_name(o).lower()),
    ([["partner_id", "like", "Contoso"]], lambda o: "Contoso" in partner_name(o)),
    ([["partner_id.name", "ilike", "LTD"]], lambda o: "ltd" in partner_name(o).lower()),
    ([["name", "=like", "S0001_"]], lambda o: o["name"].startswith("S0001") and len(o["name"]) == 6),
    ([["opportunity_id", "=", False]], lambda o: o["opportunity_id"] is None),
    ([["opportunity_id", "!=", False]], lambda o: o["opportunity_id"] is not None),
    (
        [["date_order", ">=", SINCE.date().isoformat()]],
        lambda o: o["date_order"].date() >= SINCE.date(),
    ),
    (
        ["|", ["state", "=", "draft"], ["amount_untaxed", ">", MEDIAN]],
        lambda o: o["state"] == "draft" or o["amount_untaxed"] > MEDIAN,
    ),
    (
        ["&", ["state", "=", "sale"], ["amount_untaxed", ">", MEDIAN]],
        lambda o: o["state"] == "sale" and o["amount_untaxed"] > MEDIAN,
    ),
    (
        [["state", "=", "sale"], ["amount_untaxed", ">", MEDIAN]],
        lambda o: o["state"] == "sale" and o["amount_untaxed"] > MEDIAN,
    ),
    (["!", ["state", "=", "sale"]], lambda o: o["state"] != "sale"),
    (
        ["|", "!", ["state", "=", "sale"], ["partner_id", "=", CONTOSO], ["amount_untaxed", "<", MEDIAN]],
        lambda o: (o["state"] != "sale" or o["partner_id"] == CONTOSO) and o["amount_untaxed"] < MEDIAN,
    ),
]


@pytest.mark.parametrize(("domain", "expected"), DOMAINS)
def test_search_follows_odoos_domain_semantics(
    rpc: Rpc, domain: list[Any], expected: Callable[[Record], bool]
) -> None:
    found = rpc.execute("acme", "sale.order", "search", domain)

    wanted = sorted(o["id"] for o in ORDERS if expected(o))
    assert sorted(found) == wanted
    assert 0 < len(wanted) < len(ORDERS)  # each case tells records apart


def test_ilike_ignores_case_and_like_does_not(rpc: Rpc) -> None:
    assert rpc.execute("acme", "res.partner", "search", [["name", "ilike", "LTD"]]) == [CONTOSO]
    assert rpc.execute("acme", "res.partner", "search", [["name", "like", "LTD"]]) == []
    assert rpc.execute("acme", "res.partner", "search_count", [["name", "like", "Ltd"]]) == 1


def test_child_of_takes_a_location_and_everything_under_it(rpc: Rpc) -> None:
    found = rpc.execute(
        "acme", "stock.location", "search_read", [["id", "child_of", "WH/Stock"]], fields=["complete_name"]
    )

    assert sorted(r["complete_name"] for r in found) == ["WH/Stock", "WH/Stock/Shelf A", "WH/Stock/Shelf B"]


def test_archived_leads_show_only_when_the_domain_or_context_asks(rpc: Rpc) -> None:
    leads = ACME.records("crm.lead")
    active = sorted(r["id"] for r in leads if r["active"])
    lost = sorted(r["id"] for r in leads if not r["active"])

    assert sorted(rpc.execute("acme", "crm.lead", "search", [])) == active
    assert sorted(rpc.execute("acme", "crm.lead", "search", [["active", "=", False]])) == lost
    everything = rpc.execute("acme", "crm.lead", "search", [], context={"active_test": False})
    assert sorted(everything) == sorted(active + lost) and lost


# Reading: fields, order, paging.


def test_search_read_orders_pages_and_renders_values_as_odoo_does(rpc: Rpc) -> None:
    rows = rpc.execute(
        "acme",
        "sale.order",
        "search_read",
        [["state", "=", "sale"]],
        fields=["name", "partner_id", "date_order", "opportunity_id"],
        order="amount_untaxed desc, id",
        offset=2,
        limit=5,
    )

    confirmed = sorted(
        (o for o in ORDERS if o["state"] == "sale"), key=lambda o: (-o["amount_untaxed"], o["id"])
    )
    assert [r["id"] for r in rows] == [o["id"] for o in confirmed[2:7]]
    first, source = rows[0], confirmed[2]
    assert set(first) == {"id", "name", "partner_id", "date_order", "opportunity_id"}
    assert first["partner_id"] == [source["partner_id"], partner_name(source)]
    assert first["date_order"] == source["date_order"].strftime("%Y-%m-%d %H:%M:%S")
    assert any(
        r["opportunity_id"] is False
        for r in rpc.execute("acme", "sale.order", "search_read", [], fields=["opportunity_id"])
    )


def test_default_order_is_the_models_and_many2one_order_follows_the_related_model(rpc: Rpc) -> None:
    stages = rpc.execute("acme", "crm.stage", "search_read", [], fields=["name"])
    dated = rpc.execute("acme", "sale.order", "search", [], order="date_order desc", limit=3)

    assert [s["name"] for s in stages] == ["New", "Qualified", "Proposition", "Won", "On Hold"]
    newest = sorted(ORDERS, key=lambda o: o["date_order"], reverse=True)[:3]
    assert dated == [o["id"] for o in newest]


def test_read_and_fields_get(rpc: Rpc) -> None:
    partner = rpc.execute("acme", "res.partner", "read", [CONTOSO], fields=["name", "customer_rank"])
    fields = rpc.execute("acme", "account.move.line", "fields_get", attributes=["type", "relation"])
    missing = rpc.error("acme", "res.partner", "read", [999_999], fields=["name"])

    assert partner == [
        {
            "id": CONTOSO,
            "name": "Contoso Ltd",
            "customer_rank": ACME.get("res.partner", CONTOSO)["customer_rank"],
        }
    ]
    assert fields["account_id"] == {"type": "many2one", "relation": "account.account"}
    assert fields["balance"] == {"type": "monetary"}
    assert missing["data"]["name"] == "odoo.exceptions.MissingError"


# read_group.


def test_read_group_by_account_sums_posted_lines_with_odoos_keys(rpc: Rpc) -> None:
    domain = [["parent_state", "=", "posted"]]
    groups = rpc.execute(
        "acme",
        "account.move.line",
        "read_group",
        domain,
        ["debit:sum", "credit:sum", "balance"],
        ["account_id"],
    )

    expected: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for line in ACME.records("account.move.line"):
        if line["parent_state"] == "posted":
            sums = expected[line["account_id"]]
            sums[0] += line["debit"]
            sums[1] += line["credit"]
            sums[2] += line["balance"]
            sums[3] += 1
    assert {g["account_id"][0] for g in groups} == set(expected)
    codes = [ACME.get("account.account", g["account_id"][0])["code"] for g in groups]
    assert codes == sorted(codes)  # groups in the related model's order
    for group in groups:
        debit, credit, balance, count = expected[group["account_id"][0]]
        assert group["account_id_count"] == count
        assert (group["debit"], group["credit"]) == (pytest.approx(debit), pytest.approx(credit))
        assert group["balance"] == pytest.approx(balance)
        assert group["__domain"] == [
            "&",
            ["parent_state", "=", "posted"],
            ["account_id", "=", group["account_id"][0]],
        ]


def test_read_group_by_month_labels_ranges_and_counts_like_odoo(rpc: Rpc) -> None:
    groups = rpc.execute(
        "acme",
        "sale.order",
        "read_group",
        [["state", "=", "sale"]],
        ["amount_untaxed:sum"],
        ["date_order:month"],
    )

    months: dict[tuple[int, int], list[float]] = defaultdict(list)
    for order in ORDERS:
        if order["state"] == "sale":
            months[(order["date_order"].year, order["date_order"].month)].append(order["amount_untaxed"])
    assert len(groups) == len(months)
    for group, (year, month) in zip(groups, sorted(months), strict=True):
        start = f"{year}-{month:02d}-01"
        assert group["date_order:month"] == time.strftime("%B %Y", (year, month, 1, 0, 0, 0, 0, 1, 0))
        assert group["__range"]["date_order:month"]["from"] == f"{start} 00:00:00"
        assert group["date_order_count"] == len(months[(year, month)])
        assert group["amount_untaxed"] == pytest.approx(sum(months[(year, month)]))
        assert ["date_order", ">=", f"{start} 00:00:00"] in group["__domain"]


def test_read_group_lazy_and_eager_with_two_groupbys_order_and_limit(rpc: Rpc) -> None:
    lazy = rpc.execute("acme", "crm.lead", "read_group", [], ["expected_revenue:sum"], ["stage_id", "type"])
    eager = rpc.execute(
        "acme", "crm.lead", "read_group", [], ["expected_revenue"], ["stage_id", "type"], lazy=False
    )
    top = rpc.execute(
        "acme", "sale.order", "read_group", [["state", "=", "sale"]], ["amount_untaxed:sum"], ["partner_id"],
        orderby="amount_untaxed desc", limit=3,
    )  # fmt: skip

    assert all(g["__context"] == {"group_by": ["type"]} and "stage_id_count" in g for g in lazy)
    assert all("__count" in g and "__context" not in g for g in eager)
    active = [lead for lead in ACME.records("crm.lead") if lead["active"]]
    assert sum(g["__count"] for g in eager) == sum(g["stage_id_count"] for g in lazy) == len(active)
    assert sum(g["expected_revenue"] for g in eager) == pytest.approx(
        sum(lead["expected_revenue"] for lead in active)
    )
    revenue: dict[int, float] = defaultdict(float)
    for order in ORDERS:
        if order["state"] == "sale":
            revenue[order["partner_id"]] += order["amount_untaxed"]
    best = sorted(revenue, key=lambda p: -revenue[p])[:3]
    assert [g["partner_id"][0] for g in top] == best


# Companies, currencies, and fields Odoo does not store.


def test_currencies_have_odoos_base_ids_and_globex_has_two_companies_in_two_currencies(rpc: Rpc) -> None:
    currencies = rpc.execute("globex", "res.currency", "search_read", [], fields=["name", "symbol"])
    companies = rpc.execute(
        "globex", "res.company", "search_read", [], fields=["name", "currency_id", "fiscalyear_last_month"]
    )
    acme = rpc.execute("acme", "res.company", "search_read", [], fields=["name", "currency_id"])

    assert {c["name"]: c["id"] for c in currencies} == {"EUR": 1, "USD": 2}
    assert [(c["id"], c["name"], c["currency_id"]) for c in companies] == [
        (1, "Globex Corporation", [2, "USD"]),
        (2, "Globex Europe B.V.", [1, "EUR"]),
    ]
    assert acme == [{"id": 1, "name": "Acme Corporation", "currency_id": [2, "USD"]}]
    globex = seeded("globex")
    assert (globex.company_id("Globex Europe B.V."), globex.currency_id("EUR")) == (2, 1)


def test_records_are_those_of_the_allowed_companies_and_others_are_refused(rpc: Rpc) -> None:
    globex = seeded("globex")
    journals = globex.records("account.journal")
    everything = rpc.execute("globex", "account.journal", "search", [])
    europe = rpc.execute("globex", "account.journal", "search", [], context={"allowed_company_ids": [2]})
    main = rpc.execute(
        "globex", "account.move.line", "search_count", [], context={"allowed_company_ids": [1]}
    )
    companies = rpc.execute("globex", "res.company", "search", [], context={"allowed_company_ids": [2]})
    refused = rpc.error("globex", "account.journal", "search", [], context={"allowed_company_ids": [1, 3]})
    acme = rpc.error("acme", "account.journal", "search", [], context={"allowed_company_ids": [2]})

    assert sorted(everything) == sorted(j["id"] for j in journals)  # no context: all the user's companies
    assert sorted(europe) == sorted(j["id"] for j in journals if j["company_id"] == 2) and europe
    assert main == len(globex.where("account.move.line", company_id=1))
    assert companies == [2]
    for error in (refused, acme):
        assert error["data"]["name"] == "odoo.exceptions.AccessError"
        assert error["data"]["message"] == "Access to unauthorized or invalid companies."


def test_a_foreign_currency_bank_journal_carries_its_currency_on_its_lines() -> None:
    globex = seeded("globex")
    eur = globex.where("account.journal", code="BNK3")[0]
    lines = globex.where("account.move.line", journal_id=eur["id"])
    statement = globex.where("account.bank.statement.line", journal_id=eur["id"])

    assert eur["currency_id"] == globex.currency_id("EUR") and eur["company_id"] == 1
    assert lines and all(line["currency_id"] == eur["currency_id"] for line in lines)
    assert all(line["company_currency_id"] == globex.currency_id("USD") for line in lines)
    for line in lines:  # the company-currency balance is the euro amount at the day's rate
        rate = globex.rate(eur["currency_id"], 1, line["date"])
        assert line["balance"] == pytest.approx(line["amount_currency"] / rate, abs=0.02)
    assert statement and all(s["currency_id"] == eur["currency_id"] for s in statement)


def test_a_field_odoo_does_not_store_is_described_so_and_dropped_from_domains(
    erp: RunningErp, rpc: Rpc
) -> None:
    fields = rpc.execute("acme", "res.currency", "fields_get", ["rate", "name"], ["store", "searchable"])
    everything = rpc.execute("acme", "res.currency", "search", [])
    dropped = rpc.execute("acme", "res.currency", "search", [["rate", ">", 1000]])

    assert fields == {
        "rate": {"store": False, "searchable": False},
        "name": {"store": True, "searchable": True},
    }
    assert dropped == everything  # Odoo 17 logs the leaf and drops it: it matches every record
    rates = rpc.execute("globex", "res.currency", "search_read", [], fields=["name", "rate"])
    europe = rpc.execute(
        "globex",
        "res.currency",
        "search_read",
        [],
        fields=["name", "rate"],
        context={"allowed_company_ids": [2]},
    )
    globex = seeded("globex")
    assert {c["name"]: c["rate"] for c in rates} == {"USD": 1.0, "EUR": globex.rate(1, 1, TODAY)}
    assert {c["name"]: c["rate"] for c in europe} == {"EUR": 1.0, "USD": globex.rate(2, 2, TODAY)}
    assert (
        erp.erp.engines["acme"].ignored_leaves[-1] == "Non-stored field res.currency.rate cannot be searched."
    )


def test_odoo_18_account_codes_are_the_current_companys_and_false_elsewhere() -> None:
    with start_erp(today=TODAY, version="18.0") as erp18:
        rpc = Rpc(erp18.url)
        fields = ["code", "name", "company_ids"]
        everything = rpc.execute("globex", "account.account", "search_read", [], fields=fields)
        europe = rpc.execute(
            "globex", "account.account", "search_read", [["code", "=like", "4%"]], fields=fields,
            context={"allowed_company_ids": [2]},
        )  # fmt: skip
        company_id = rpc.error("globex", "account.account", "search_read", [], fields=["company_id"])
        described = rpc.execute("globex", "account.account", "fields_get", ["code"], ["store", "searchable"])

    globex = seeded("globex")
    codes = {a["id"]: a["code"] for a in globex.records("account.account")}
    companies = {a["id"]: a["company_id"] for a in globex.records("account.account")}
    assert {a["id"]: a["code"] for a in everything} == {
        i: code if companies[i] == 1 else False for i, code in codes.items()
    }  # no context: the user's company (1) is the current one
    assert all(a["company_ids"] == [companies[a["id"]]] for a in everything)
    assert {a["id"] for a in europe} == {
        i for i, c in codes.items() if companies[i] == 2 and c.startswith("4")
    }
    assert all(a["code"] == codes[a["id"]] for a in europe)
    assert "Invalid field 'company_id'" in company_id["data"]["message"]
    assert described == {"code": {"store": False, "searchable": True}}


def test_income_accounts_are_not_brought_forward(rpc: Rpc) -> None:
    forward = rpc.execute(
        "acme",
        "account.account",
        "search_read",
        [["include_initial_balance", "=", False]],
        fields=["account_type"],
    )

    assert {a["account_type"] for a in forward} == {
        "income",
        "income_other",
        "expense",
        "expense_direct_cost",
    }


# The data: balanced, consistent, different per database and per seed.


@pytest.mark.parametrize("db", ["acme", "globex"])
def test_every_journal_entry_balances_and_stock_agrees_with_its_moves(db: str) -> None:
    data = seeded(db)
    per_move: dict[int, float] = defaultdict(float)
    for line in data.records("account.move.line"):
        per_move[line["move_id"]] += line["debit"] - line["credit"]
    internal = {loc["id"] for loc in data.records("stock.location") if loc["usage"] == "internal"}
    on_hand: dict[tuple[int, int], float] = defaultdict(float)
    for move in data.where("stock.move", state="done"):
        if move["location_dest_id"] in internal:
            on_hand[(move["product_id"], move["location_dest_id"])] += move["quantity"]
        if move["location_id"] in internal:
            on_hand[(move["product_id"], move["location_id"])] -= move["quantity"]

    assert len(per_move) == len(data.records("account.move")) > 50
    assert all(abs(total) < 0.005 for total in per_move.values())
    quants = {(q["product_id"], q["location_id"]): q["quantity"] for q in data.records("stock.quant")}
    assert quants == {key: qty for key, qty in on_hand.items() if qty > 0}
    for model in MODELS:
        assert len(data.records(model)) >= (1 if model.startswith("res.c") else 4), model


def test_databases_and_seeds_hold_different_numbers_with_the_same_logins() -> None:
    acme, other_seed, globex = seeded("acme"), seeded("acme", 2), seeded("globex")

    def invoiced(data: Dataset) -> list[float]:
        return [m["amount_total"] for m in data.where("account.move", move_type="out_invoice")]

    assert invoiced(acme) != invoiced(other_seed) and invoiced(acme) != invoiced(globex)
    assert (acme.login, acme.api_key) == (other_seed.login, other_seed.api_key) == credentials("acme")
    assert credentials("acme") != credentials("globex")
    assert {p["name"] for p in acme.records("product.product")}.isdisjoint(
        p["name"] for p in globex.records("product.product")
    )
    assert dataset("acme", 1, TODAY).records("sale.order") == acme.records("sale.order")  # deterministic


def test_python_m_local_erp_serves_a_given_seed(tmp_path: Any) -> None:
    port = int(closed_url().rsplit(":", 1)[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "local.erp", "--port", str(port), "--seed", "3", "--today", TODAY.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        rpc = Rpc(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                partners = rpc.execute("globex", "res.partner", "search_count", [])
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the demo ERP did not start"
                time.sleep(0.1)
        assert partners == len(seeded("globex", 3).records("res.partner"))
        journals = rpc.execute("acme", "account.move", "search_count", [])
        assert journals == len(seeded("acme", 3).records("account.move"))
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert credentials("acme")[1] in output  # the banner tells a developer how to log in
