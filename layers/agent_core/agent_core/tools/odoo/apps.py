"""Which Odoo app provides each model the tools read, to name it when the model is missing or denied.

Module names and app titles are those of each module's ``__manifest__.py`` in Odoo 16.0–19.0
(``addons/account``: "Invoicing", ``addons/stock``: "Inventory", ``addons/crm``: "CRM",
``addons/sale``: "Sales", ``addons/mass_mailing``: "Email Marketing"; ``product`` and ``base``
come with any of them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class App:
    """An Odoo app as its users know it (``title``) and as Odoo installs it (``module``)."""

    title: str
    module: str

    def __str__(self) -> str:
        return f"{self.title} (module {self.module})"


INVOICING = App("Invoicing", "account")
INVENTORY = App("Inventory", "stock")
CRM = App("CRM", "crm")
SALES = App("Sales", "sale")
EMAIL_MARKETING = App("Email Marketing", "mass_mailing")
PRODUCTS = App("Products", "product")
BASE = App("Base", "base")

APP_OF_MODEL: dict[str, App] = {
    "account.account": INVOICING,
    "account.move.line": INVOICING,
    "account.journal": INVOICING,
    "account.bank.statement.line": INVOICING,
    "stock.quant": INVENTORY,
    "stock.warehouse.orderpoint": INVENTORY,
    "stock.move": INVENTORY,
    "stock.picking": INVENTORY,
    "product.product": PRODUCTS,
    "crm.lead": CRM,
    "crm.stage": CRM,
    "sale.order": SALES,
    "sale.order.line": SALES,
    "mailing.mailing": EMAIL_MARKETING,
    "res.partner": BASE,
    "res.company": BASE,
    "res.currency": BASE,
    "res.users": BASE,
}


def app_of(model: str) -> App | None:
    """The app that provides ``model``, if the tools know it."""
    return APP_OF_MODEL.get(model)
