"""The six finance tools against the demo ERP, per company and per currency. Every expected value is
computed here, in plain Python, from the seeded records (never by the tools' code): acme has one
company in USD; globex has Globex Corporation (USD, with a bank account in EUR and transfers
between its banks) and Globex Europe B.V. (EUR). The 18.0 mode's company-dependent account codes
are covered too."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from agent_core import ToolError, ToolServices
from agent_core.tools.odoo.banking import get_bank_balance, get_bank_transactions, reconcile_account
from agent_core.tools.odoo.finance import get_cash_flow, get_gl_balance, list_gl_accounts
from local.erp import Dataset, RunningErp
from tests.support.erp import TODAY, bank_balances, bank_totals, posted_lines, seeded
from tests.support.erp import run_on as run
from tests.support.erp_expected import cash_movements, company_names, open_items

READS = ("search_read", "search_count", "read_group", "authenticate", "execute_kw")


def currency_of(data: Dataset, company: str) -> str:
    record = next(c for c in data.records("res.company") if c["name"] == company)
    return str(data.get("res.currency", record["currency_id"])["name"])


def fiscal_year_start(data: Dataset, company: str, day: date) -> date:
    """The day after the last fiscal year end on or before ``day`` (the company's last day and month)."""
    record = next(c for c in data.records("res.company") if c["name"] == company)
    month, last = int(record["fiscalyear_last_month"]), record["fiscalyear_last_day"]
    for year in (day.year, day.year - 1):
        end = date(year, month, min(last, calendar.monthrange(year, month)[1]))
        if end < day:
            return end + timedelta(days=1)
    raise AssertionError("no fiscal year end in two years")


def by_company(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["company"]: block for block in result["companies"]}


# The general ledger.


@pytest.mark.anyio
async def test_a_balance_sheet_account_counts_every_posted_line_in_the_companys_currency(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("acme")
    receivable = [line for line, account in posted_lines(data) if account["code"] == "121000"]
    drafts = [line for line in data.records("account.move.line") if line["parent_state"] == "draft"]

    result = await run(get_gl_balance, "acme", erp, services, account_code="121000")

    assert drafts, "drafts exist and must be left out"
    [acme] = result["companies"]
    assert (acme["company"], acme["currency"]) == ("Acme Corporation", "USD")
    assert acme["accounts"] == [
        {
            "code": "121000",
            "name": "Account Receivable",
            "type": "asset_receivable",  # no "since": since the first entry
            "debit": pytest.approx(sum(line["debit"] for line in receivable), abs=0.01),
            "credit": pytest.approx(sum(line["credit"] for line in receivable), abs=0.01),
            "balance": pytest.approx(sum(line["balance"] for line in receivable), abs=0.01),
        }
    ]
    assert result["period"] == {"date_to": TODAY.isoformat()}


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_gl_balance_by_code_prefix_over_a_period_per_company(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    data, since = seeded(db), TODAY - timedelta(days=90)
    names = company_names(data)
    expected: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line, account in posted_lines(data):
        if account["code"].startswith("4") and since <= line["date"] <= TODAY:
            expected[names[line["company_id"]]][account["code"]] += line["balance"]

    result = await run(get_gl_balance, db, erp, services, account_code="4", date_from=since.isoformat())

    companies = by_company(result)
    assert set(companies) == set(expected) == set(names.values())
    for company, balances in expected.items():
        block = companies[company]
        assert block["currency"] == currency_of(data, company)
        assert {a["code"]: a["balance"] for a in block["accounts"]} == pytest.approx(dict(balances), abs=0.01)
        assert block["total_balance"] == pytest.approx(sum(balances.values()), abs=0.01)
        assert {a["since"] for a in block["accounts"]} == {since.isoformat()}
    assert result["period"] == {"date_from": since.isoformat(), "date_to": TODAY.isoformat()}


@pytest.mark.anyio
async def test_income_without_a_start_date_starts_at_each_companys_fiscal_year(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    names = company_names(data)
    this_year: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    lifetime: dict[str, float] = defaultdict(float)
    for line, account in posted_lines(data):
        company = names[line["company_id"]]
        if account["code"].startswith("4") and line["date"] <= TODAY:
            lifetime[company] += line["balance"]
            if line["date"] >= fiscal_year_start(data, company, TODAY):
                this_year[company][account["code"]] += line["balance"]

    result = await run(get_gl_balance, "globex", erp, services, account_code="4")

    for company, block in by_company(result).items():
        start = fiscal_year_start(data, company, TODAY).isoformat()
        assert block["fiscal_year_start"] == start
        assert {a["code"]: a["balance"] for a in block["accounts"]} == pytest.approx(
            dict(this_year[company]), abs=0.01
        )
        assert {a["since"] for a in block["accounts"]} == {start}
        # the demo holds income from before the fiscal year, which lifetime totals would add
        assert block["total_balance"] != pytest.approx(lifetime[company], abs=1)


@pytest.mark.anyio
async def test_gl_balance_names_a_missing_account_and_the_tool_that_helps(
    erp: RunningErp, services: ToolServices
) -> None:
    with pytest.raises(ToolError, match="no account code starts with '999'; list_gl_accounts"):
        await run(get_gl_balance, "acme", erp, services, account_code="999")
    with pytest.raises(ToolError, match="invalid arguments for get_gl_balance: account_code"):
        await run(get_gl_balance, "acme", erp, services, account_code="1%")


@pytest.mark.anyio
async def test_list_gl_accounts_per_company_by_type_by_search_and_bounded(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    names = company_names(data)
    cash = await run(list_gl_accounts, "globex", erp, services, account_type="asset_cash")
    found = await run(list_gl_accounts, "acme", erp, services, search="tax")
    first = await run(list_gl_accounts, "globex", erp, services, limit=3)

    for company_id, company in names.items():
        accounts = sorted(
            (a for a in data.records("account.account") if a["company_id"] == company_id),
            key=lambda a: a["code"],
        )
        listed = by_company(cash)[company]["accounts"]
        assert [(a["code"], a["name"]) for a in listed] == [
            (a["code"], a["name"]) for a in accounts if a["account_type"] == "asset_cash"
        ]
        head = by_company(first)[company]
        assert [a["code"] for a in head["accounts"]] == [a["code"] for a in accounts[:3]]
        assert (head["truncated"], head["total"]) == (True, len(accounts))
    assert [a["name"] for a in by_company(cash)["Globex Europe B.V."]["accounts"]] == [
        "ING Business Account",
        "Cash",
    ]
    taxes = sorted(a["code"] for a in seeded("acme").records("account.account") if "tax" in a["name"].lower())
    [acme] = found["companies"]
    assert [a["code"] for a in acme["accounts"]] == taxes and not acme["truncated"]


@pytest.mark.anyio
async def test_on_odoo_18_accounts_are_listed_and_balanced_with_each_companys_codes(
    erp18: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    names = company_names(data)
    income: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line, account in posted_lines(data):
        company = names[line["company_id"]]
        if (
            account["code"].startswith("4")
            and fiscal_year_start(data, company, TODAY) <= line["date"] <= TODAY
        ):
            income[company][account["code"]] += line["balance"]

    accounts = await run(list_gl_accounts, "globex", erp18, services)
    balances = await run(get_gl_balance, "globex", erp18, services, account_code="4")

    for company_id, company in names.items():
        codes = sorted(a["code"] for a in data.records("account.account") if a["company_id"] == company_id)
        assert [a["code"] for a in by_company(accounts)[company]["accounts"]] == codes
        got = {a["code"]: a["balance"] for a in by_company(balances)[company]["accounts"]}
        assert got == pytest.approx(dict(income[company]), abs=0.01)


# Cash.


@pytest.mark.anyio
async def test_cash_flow_per_month_has_an_opening_balance_and_closes_on_the_books(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("acme")
    index = TODAY.year * 12 + TODAY.month - 1 - 5
    start = date(index // 12, index % 12 + 1, 1)
    months: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for line, _ in posted_lines(data, types=("asset_cash",)):
        if start <= line["date"] <= TODAY:
            months[line["date"].replace(day=1)][0] += line["debit"]
            months[line["date"].replace(day=1)][1] += line["credit"]
    expected = cash_movements(data, start, TODAY)["Acme Corporation"]

    result = await run(get_cash_flow, "acme", erp, services)

    assert result["period"] == {"date_from": start.isoformat(), "date_to": TODAY.isoformat()}
    [acme] = result["companies"]
    assert (acme["company"], acme["currency"]) == ("Acme Corporation", "USD")
    got = [(p["start"], p["inflow"], p["outflow"]) for p in acme["periods"]]
    assert got == [
        (m.isoformat(), pytest.approx(i, abs=0.01), pytest.approx(o, abs=0.01))
        for m, (i, o) in sorted(months.items())
    ]
    assert acme["periods"][-1]["period"] == f"{TODAY:%B %Y}"
    assert (
        acme["opening_balance"] == pytest.approx(expected["opening"], abs=0.01)
        and acme["opening_balance"] > 0
    )
    assert acme["closing_balance"] == pytest.approx(expected["closing"], abs=0.02)
    assert (acme["transfers_in"], acme["transfers_out"]) == (0, 0)


@pytest.mark.anyio
async def test_transfers_between_own_banks_are_shown_apart_per_company(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    start = TODAY - timedelta(days=180)
    expected = cash_movements(data, start, TODAY)

    result = await run(
        get_cash_flow, "globex", erp, services, date_from=start.isoformat(), granularity="quarter"
    )

    companies = by_company(result)
    assert set(companies) == set(company_names(data).values())
    for company, sums in expected.items():
        block = companies[company]
        assert block["currency"] == currency_of(data, company)
        for key in ("transfers_in", "transfers_out"):
            assert block[key] == pytest.approx(sums[key], abs=0.01)
        assert block["total_inflow"] == pytest.approx(sums["inflow"], abs=0.02)
        assert block["total_outflow"] == pytest.approx(sums["outflow"], abs=0.02)
        assert block["opening_balance"] == pytest.approx(sums["opening"], abs=0.01)
        assert block["closing_balance"] == pytest.approx(sums["closing"], abs=0.05)
    main = companies["Globex Corporation"]
    assert main["transfers_in"] > 0 and main["transfers_in"] == pytest.approx(main["transfers_out"], abs=0.01)


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_bank_balance_per_journal_in_its_currency_and_totals_per_company_and_currency(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    data = seeded(db)

    result = await run(get_bank_balance, db, erp, services)

    assert {j["journal"]: j["balance"] for j in result["journals"]} == pytest.approx(
        bank_balances(data), abs=0.01
    )
    totals = {(t["company"], t["currency"]): t["total"] for t in result["totals"]}
    assert totals == pytest.approx(bank_totals(data), abs=0.01)
    assert result["as_of"] == TODAY.isoformat() and not result["truncated"]


@pytest.mark.anyio
async def test_a_foreign_currency_journal_shows_its_own_currency_as_odoos_dashboard_does(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    journal = data.where("account.journal", code="BNK3")[0]
    lines = [line for line, _ in posted_lines(data) if line["account_id"] == journal["default_account_id"]]

    result = await run(get_bank_balance, "globex", erp, services)

    [eur] = [j for j in result["journals"] if j["code"] == "BNK3"]
    assert (eur["company"], eur["currency"]) == ("Globex Corporation", "EUR")
    assert eur["balance"] == pytest.approx(sum(line["amount_currency"] for line in lines), abs=0.01)
    assert eur["balance_company_currency"] == pytest.approx(sum(line["balance"] for line in lines), abs=0.01)
    assert eur["balance"] != pytest.approx(eur["balance_company_currency"], abs=1)
    assert ("Globex Corporation", "EUR") in {(t["company"], t["currency"]) for t in result["totals"]}


@pytest.mark.anyio
async def test_bank_balances_differ_between_tenants_and_on_an_earlier_day(
    erp: RunningErp, services: ToolServices
) -> None:
    acme = await run(get_bank_balance, "acme", erp, services)
    earlier = TODAY - timedelta(days=60)
    then = await run(get_bank_balance, "acme", erp, services, as_of=earlier.isoformat())

    assert [j["journal"] for j in acme["journals"]] == ["First National Bank", "Cash"]
    assert then["totals"] == [
        {"company": "Acme Corporation", "currency": "USD", "total": pytest.approx(total, abs=0.01)}
        for total in bank_totals(seeded("acme"), earlier).values()
    ]
    assert then["totals"] != acme["totals"]


@pytest.mark.anyio
async def test_bank_transactions_say_their_currency_and_company_and_are_bounded(
    erp: RunningErp, services: ToolServices
) -> None:
    data = seeded("globex")
    names = company_names(data)
    lines = sorted(
        data.records("account.bank.statement.line"), key=lambda r: (r["date"], r["id"]), reverse=True
    )
    wells = data.where("account.journal", code="BNK2")[0]["id"]

    open_lines = await run(get_bank_transactions, "globex", erp, services, unreconciled_only=True)
    reserve = await run(get_bank_transactions, "globex", erp, services, journal="bnk2", limit=500)
    newest = await run(get_bank_transactions, "globex", erp, services, limit=5)

    unreconciled = [r for r in lines if not r["is_reconciled"]]
    assert [t["id"] for t in open_lines["transactions"]] == [r["id"] for r in unreconciled]
    flows: dict[tuple[str, str], float] = defaultdict(float)
    for r in unreconciled:
        if r["amount"] > 0:
            flows[(names[r["company_id"]], data.get("res.currency", r["currency_id"])["name"])] += r["amount"]
    assert {(f["company"], f["currency"]): f["money_in"] for f in open_lines["totals"]} == pytest.approx(
        dict(flows), abs=0.01
    )
    assert {t["currency"] for t in open_lines["transactions"]} == {"USD", "EUR"}
    assert [t["id"] for t in reserve["transactions"]] == [r["id"] for r in lines if r["journal_id"] == wells]
    assert {t["journal"] for t in reserve["transactions"]} == {"Wells Reserve"}
    assert not reserve["truncated"]
    assert [t["id"] for t in newest["transactions"]] == [r["id"] for r in lines[:5]]
    assert (newest["truncated"], newest["total"]) == (True, len(lines))
    acme = seeded("acme").records("account.bank.statement.line")
    everything = await run(get_bank_transactions, "acme", erp, services, limit=500)
    assert [t["id"] for t in everything["transactions"]] == [
        r["id"] for r in sorted(acme, key=lambda r: (r["date"], r["id"]), reverse=True)
    ]
    assert everything["totals"] == [
        {
            "company": "Acme Corporation",
            "currency": "USD",
            "money_in": pytest.approx(sum(r["amount"] for r in acme if r["amount"] > 0), abs=0.01),
            "money_out": pytest.approx(-sum(r["amount"] for r in acme if r["amount"] < 0), abs=0.01),
        }
    ]


# Reconciliation.


@pytest.mark.parametrize("db", ["acme", "globex"])
@pytest.mark.anyio
async def test_reconciliation_suggests_open_items_and_registered_payments_in_one_currency(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    data = seeded(db)
    names = company_names(data)
    unreconciled = {r["id"]: r for r in data.records("account.bank.statement.line") if not r["is_reconciled"]}
    items = open_items(data)
    by_entry = defaultdict(list)
    for item in items.values():
        by_entry[item["move_name"]].append(item)
    before = dict(erp.calls)

    result = await run(reconcile_account, db, erp, services)

    assert "nothing was reconciled or written" in result["note"]
    lines = [s["statement_line"]["id"] for s in result["suggestions"]] + [
        u["statement_line"]["id"] for u in result["unmatched"]
    ]
    assert sorted(lines) == sorted(unreconciled)
    assert result["open_items_considered"] == result["open_items_total"] == len(items)
    assert not result["lines_truncated"] and not result["open_items_truncated"]
    kinds = {s["match"]["kind"] for s in result["suggestions"]}
    assert kinds == {"invoice or bill", "registered payment"}
    registered: set[str] = set()
    for suggestion in result["suggestions"]:
        line = unreconciled[suggestion["statement_line"]["id"]]
        [item] = [i for i in by_entry[suggestion["match"]["entry"]] if i["company_id"] == line["company_id"]]
        assert item["currency_id"] == line["currency_id"]  # one currency on both sides
        assert item["amount_residual_currency"] == pytest.approx(line["amount"])
        currency = data.get("res.currency", line["currency_id"])["name"]
        assert (suggestion["statement_line"]["currency"], suggestion["match"]["currency"]) == (
            currency,
            currency,
        )
        assert suggestion["statement_line"]["company"] == names[line["company_id"]]
        if suggestion["match"]["kind"] == "registered payment":
            assert "Outstanding" in suggestion["match"]["account"] and "outstanding" in suggestion["reason"]
            registered.add(suggestion["match"]["account"])
        if line["partner_id"]:
            assert (suggestion["confidence"], item["partner_id"]) == ("high", line["partner_id"])
        else:
            assert suggestion["confidence"] == "medium"
    if db == "globex":  # one payment method of the second bank has its own outstanding account
        assert "101803 Outstanding Receipts (Wells Reserve)" in registered
    unmatched = {u["statement_line"]["reference"]: u["reason"] for u in result["unmatched"]}
    assert unmatched["Customer deposit"] == "only another partner's open item has this amount"
    assert unmatched["UNKNOWN DEPOSIT"].startswith("no open invoice, bill or registered payment")
    called = {key for key, count in erp.calls.items() if count != before.get(key)}
    assert all(key.endswith(READS) for key in called), called


@pytest.mark.parametrize("version", ["17.0", "18.0"])
@pytest.mark.anyio
async def test_no_finance_tool_filters_on_a_field_odoo_cannot_search(
    version: str, erp: RunningErp, erp18: RunningErp, services: ToolServices
) -> None:
    server = erp18 if version == "18.0" else erp
    for tool in (get_gl_balance, list_gl_accounts, get_cash_flow, get_bank_balance, get_bank_transactions):
        for db in ("acme", "globex"):
            await run(tool, db, server, services)
    await run(reconcile_account, "globex", server, services, account_code="1")

    assert all(not engine.ignored_leaves for engine in server.erp.engines.values())
