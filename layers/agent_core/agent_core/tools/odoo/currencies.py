"""Money that says its currency, and the currency each of the tenant's companies keeps its books in.

Odoo keeps a sales order's amounts in the order's currency (``sale.order.currency_id``) and a lead's
expected revenue in its company's currency (``crm.lead.company_currency``, addons/crm/models/
crm_lead.py); amounts of different currencies or companies are never added up here.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic import BaseModel

from agent_core.tools.odoo.client import OdooClient
from agent_core.tools.odoo.records import Many2one
from agent_core.tools.odoo.values import name_of


class Money(BaseModel):
    amount: float
    currency: str | None


class CompanyMoney(Money):
    company: str | None


def per_company(
    amounts: list[tuple[int | None, str | None, float]], currencies: dict[int, str | None]
) -> list[CompanyMoney]:
    """``(company id, company name, amount)`` summed per company, each in its currency, by company name."""
    totals: dict[tuple[int | None, str | None], float] = {}
    for company, name, amount in amounts:
        totals[(company, name)] = totals.get((company, name), 0.0) + amount
    return [
        CompanyMoney(
            company=name, currency=currencies.get(company) if company else None, amount=round(total, 2)
        )
        for (company, name), total in sorted(totals.items(), key=lambda item: str(item[0][1]))
    ]


class CompanyCurrency(TypedDict):
    id: int
    name: str
    currency_id: Many2one


async def company_currencies(erp: OdooClient, ids: list[int]) -> dict[int, str | None]:
    """The currency code (``"USD"``) of each of the companies ``ids``, as far as the user may read them."""
    if not ids:
        return {}
    rows = await erp.search_read("res.company", [["id", "in", sorted(ids)]], CompanyCurrency, limit=len(ids))
    return {row["id"]: name_of(row["currency_id"]) for row in rows}
