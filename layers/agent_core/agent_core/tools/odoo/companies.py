"""The companies a finance answer covers, their currencies and fiscal years.

Odoo answers for the companies of the call's ``allowed_company_ids`` (the binding's), or for all of
the user's companies when it names none; ``res.company`` itself is filtered that way (its record
rule is ``[('id', 'in', company_ids)]``). The finance tools read the companies first, then either
group by ``company_id`` or ask once per company with :func:`in_company`, which makes that company
the current one: what 18.0's company-dependent account codes need.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from agent_core.errors import ToolError
from agent_core.tools.odoo.client import OdooClient
from agent_core.tools.odoo.records import Many2one, Text
from agent_core.tools.odoo.values import id_of, name_of

MAX_COMPANIES = 20


class CompanyRecord(TypedDict):
    id: int
    name: str
    currency_id: Many2one
    fiscalyear_last_day: int
    fiscalyear_last_month: Text


@dataclass(frozen=True)
class Company:
    """A company as the finance tools use it: its name, its currency's code, its fiscal year end."""

    id: int
    name: str
    currency: str
    fiscalyear_last_day: int
    fiscalyear_last_month: int

    def fiscal_year_start(self, day: date) -> date:
        """The first day of the fiscal year holding ``day`` (Odoo's ``res.company.compute_fiscalyear_dates``,
        addons/account/models/company.py, through ``odoo.tools.date_utils.get_fiscal_year``)."""
        end = _year_end(day.year, self.fiscalyear_last_month, self.fiscalyear_last_day)
        if day > end:
            return end + timedelta(days=1)
        return _year_end(day.year - 1, self.fiscalyear_last_month, self.fiscalyear_last_day) + timedelta(
            days=1
        )


async def companies_of[R: CompanyRecord](erp: OdooClient, record: type[R]) -> list[tuple[Company, R]]:
    """The companies Odoo answers for in this binding, in Odoo's order, with the fields ``record`` asks."""
    rows = await erp.search_read("res.company", [], record, order="sequence, name", limit=MAX_COMPANIES + 1)
    if not rows:
        raise ToolError("Odoo shows this workspace's user no company; an operator should check its access")
    if len(rows) > MAX_COMPANIES:
        raise ToolError(
            f"this workspace's Odoo user sees more than {MAX_COMPANIES} companies; an operator should bind "
            "the workspace to the companies it answers for"
        )
    return [(_company(row), row) for row in rows]


def in_company(company: Company) -> dict[str, Any]:
    """The context of a call made for one company: it is the current company and the only one."""
    return {"allowed_company_ids": [company.id]}


def by_id(companies: list[Company]) -> dict[int, Company]:
    return {company.id: company for company in companies}


def _company(row: CompanyRecord) -> Company:
    currency = name_of(row["currency_id"])
    if id_of(row["currency_id"]) is None or not currency:
        raise ToolError(f"the Odoo company {row['name']!r} has no currency; an accountant should set one")
    month = row["fiscalyear_last_month"]
    return Company(
        id=row["id"],
        name=row["name"],
        currency=currency,
        fiscalyear_last_day=row["fiscalyear_last_day"] or 31,
        fiscalyear_last_month=int(month) if month and month.isdigit() and 1 <= int(month) <= 12 else 12,
    )


def _year_end(year: int, month: int, day: int) -> date:
    """The fiscal year's last day in ``year``: the day clipped to the month (February keeps its end)."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if month == 2 and day in (28, last) else min(day, last))
