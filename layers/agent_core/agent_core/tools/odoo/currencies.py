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


class Company(TypedDict):
    id: int
    name: str
    currency_id: Many2one


async def company_currencies(erp: OdooClient, ids: list[int]) -> dict[int, str | None]:
    """The currency code (``"USD"``) of each of the companies ``ids``, as far as the user may read them."""
    if not ids:
        return {}
    rows = await erp.search_read("res.company", [["id", "in", sorted(ids)]], Company, limit=len(ids))
    return {row["id"]: name_of(row["currency_id"]) for row in rows}
