"""The models and fields the demo ERP serves, named as in Odoo 17."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMERIC = frozenset({"integer", "float", "monetary"})


@dataclass(frozen=True)
class Field:
    type: str
    string: str
    relation: str | None = None
    selection: tuple[str, ...] = ()
    store: bool = True

    def describe(self, name: str, searchable: bool = True) -> dict[str, Any]:
        """What ``fields_get`` says about the field (``searchable``: stored, or a search method)."""
        described: dict[str, Any] = {
            "name": name,
            "type": self.type,
            "string": self.string,
            "store": self.store,
            "readonly": True,
            "required": name == "id",
            "searchable": searchable,
            "sortable": self.store,
        }
        if self.relation:
            described["relation"] = self.relation
        if self.selection:
            described["selection"] = [[value, value.replace("_", " ").title()] for value in self.selection]
        if self.type in NUMERIC:
            described["aggregator"] = "sum"
        return described


@dataclass(frozen=True)
class Model:
    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_name: str = "name"
    parent: str | None = None  # the many2one that ``child_of`` follows
    # Computed fields (``store=False``) that Odoo gives a search method; ``display_name`` has one on
    # every model (``_search_display_name``, odoo/models.py).
    searchable: frozenset[str] = frozenset()
    base_fields: dict[str, Field] = field(
        default_factory=lambda: {
            "id": Field("integer", "ID"),
            "display_name": Field("char", "Display Name", store=False),
        }
    )

    @property
    def all_fields(self) -> dict[str, Field]:
        return {**self.base_fields, **self.fields}

    def can_search(self, name: str) -> bool:
        """Whether a domain on field ``name`` is applied (stored, or computed with a search method)."""
        spec = self.all_fields[name]
        return spec.store or name == "display_name" or name in self.searchable


def _char(string: str) -> Field:
    return Field("char", string)


def _m2o(relation: str, string: str) -> Field:
    return Field("many2one", string, relation=relation)


def _sel(string: str, *values: str) -> Field:
    return Field("selection", string, selection=values)


def _num(string: str, kind: str = "float") -> Field:
    return Field(kind, string)


def _flag(string: str) -> Field:
    return Field("boolean", string)


def _m2m(relation: str, string: str) -> Field:
    return Field("many2many", string, relation=relation)


def _company() -> Field:
    """``company_id``, which Odoo's multi-company record rules filter on (see ``Engine.filter``)."""
    return _m2o("res.company", "Company")


def _computed(kind: str, string: str) -> Field:
    """A field Odoo computes on read and does not store (``store=False``)."""
    return Field(kind, string, store=False)


ACCOUNT_TYPES = (
    "asset_receivable", "asset_cash", "asset_current", "asset_non_current", "asset_prepayments",
    "asset_fixed", "liability_payable", "liability_credit_card", "liability_current",
    "liability_non_current", "equity", "equity_unaffected", "income", "income_other", "expense",
    "expense_depreciation", "expense_direct_cost", "off_balance",
)  # fmt: skip

# addons/mass_mailing/models/mailing.py (17.0): counters and ratios computed by _compute_statistics
# (and clicks_ratio by _compute_clicks_ratio) from mailing.trace, none stored.
MAILING_COUNTS = (
    "expected", "canceled", "sent", "delivered", "opened", "clicked", "replied", "bounced", "failed",
)  # fmt: skip
MAILING_RATIOS = ("received_ratio", "opened_ratio", "replied_ratio", "bounced_ratio", "clicks_ratio")

MONTHS = tuple(str(month) for month in range(1, 13))

MODELS: dict[str, Model] = {
    # odoo/addons/base/models/res_company.py and addons/account/models/company.py (17.0)
    "res.company": Model(
        "Companies",
        {
            "name": _char("Company Name"),
            "sequence": _num("Sequence", "integer"),
            "currency_id": _m2o("res.currency", "Currency"),
            "fiscalyear_last_day": _num("Fiscalyear Last Day", "integer"),
            "fiscalyear_last_month": _sel("Fiscalyear Last Month", *MONTHS),
            "transfer_account_id": _m2o("account.account", "Inter-Banks Transfer Account"),
            "account_journal_suspense_account_id": _m2o("account.account", "Journal Suspense Account"),
            "account_journal_payment_debit_account_id": _m2o(
                "account.account", "Journal Outstanding Receipts"
            ),
            "account_journal_payment_credit_account_id": _m2o(
                "account.account", "Journal Outstanding Payments"
            ),
            "active": _flag("Active"),
        },
        order="sequence, name",
    ),
    # odoo/addons/base/models/res_currency.py (17.0): ``rate`` is computed for the context's company
    # and date (``_compute_current_rate``), not stored, and has no search method.
    "res.currency": Model(
        "Currency",
        {
            "name": _char("Currency"),
            "full_name": _char("Name"),
            "symbol": _char("Symbol"),
            "rate": _computed("float", "Current Rate"),
            "rounding": _num("Rounding Factor"),
            "decimal_places": _num("Decimal Places", "integer"),
            "position": _sel("Symbol Position", "after", "before"),
            "active": _flag("Active"),
        },
        order="active desc, name",
    ),
    # Units of the currency per one unit of the company's currency, from the day ``name`` on.
    "res.currency.rate": Model(
        "Currency Rate",
        {
            "name": Field("date", "Date"),
            "rate": _num("Technical Rate"),
            "currency_id": _m2o("res.currency", "Currency"),
            "company_id": _company(),
        },
        order="name desc",
    ),
    "res.partner": Model(
        "Contact",
        {
            "name": _char("Name"),
            "email": _char("Email"),
            "is_company": _flag("Is a Company"),
            "customer_rank": _num("Customer Rank", "integer"),
            "supplier_rank": _num("Supplier Rank", "integer"),
            "active": _flag("Active"),
        },
        order="name, id desc",
    ),
    "res.users": Model(
        "User",
        {
            "name": _char("Name"),
            "login": _char("Login"),
            "company_id": _m2o("res.company", "Company"),
            "company_ids": _m2m("res.company", "Companies"),
            "active": _flag("Active"),
        },
        "name, login",
    ),
    "account.account": Model(
        "Account",
        {
            "code": _char("Code"),
            "name": _char("Account Name"),
            "account_type": _sel("Type", *ACCOUNT_TYPES),
            "reconcile": _flag("Allow Reconciliation"),
            "currency_id": _m2o("res.currency", "Account Currency"),
            "company_id": _company(),
            # Computed from the type, searched by Odoo's ``_search_include_initial_balance``:
            # false for income and expense accounts, whose balance starts again each fiscal year.
            "include_initial_balance": _computed("boolean", "Bring Accounts Balance Forward"),
        },
        order="code, id",
        searchable=frozenset({"include_initial_balance"}),
    ),
    "account.journal": Model(
        "Journal",
        {
            "name": _char("Journal Name"),
            "code": _char("Short Code"),
            "type": _sel("Type", "sale", "purchase", "cash", "bank", "general"),
            "default_account_id": _m2o("account.account", "Default Account"),
            "currency_id": _m2o("res.currency", "Currency"),
            "company_id": _company(),
            "active": _flag("Active"),
        },
        order="type, code, id",
    ),
    "account.move": Model(
        "Journal Entry",
        {
            "name": _char("Number"),
            "date": Field("date", "Date"),
            "ref": _char("Reference"),
            "journal_id": _m2o("account.journal", "Journal"),
            "partner_id": _m2o("res.partner", "Partner"),
            "state": _sel("Status", "draft", "posted", "cancel"),
            "move_type": _sel("Type", "entry", "out_invoice", "in_invoice", "out_refund", "in_refund"),
            "amount_total": _num("Total", "monetary"),
            "currency_id": _m2o("res.currency", "Currency"),
            "company_id": _company(),
        },
        order="date desc, name desc, id desc",
    ),
    "account.move.line": Model(
        "Journal Item",
        {
            "move_id": _m2o("account.move", "Journal Entry"),
            "move_name": _char("Number"),
            "date": Field("date", "Date"),
            "name": _char("Label"),
            "account_id": _m2o("account.account", "Account"),
            "journal_id": _m2o("account.journal", "Journal"),
            "partner_id": _m2o("res.partner", "Partner"),
            "debit": _num("Debit", "monetary"),
            "credit": _num("Credit", "monetary"),
            "balance": _num("Balance", "monetary"),
            "amount_residual": _num("Residual Amount", "monetary"),
            # related to account_id.account_type, not stored (addons/account/models/account_move_line.py)
            "account_type": Field("selection", "Internal Type", selection=ACCOUNT_TYPES, store=False),
            "currency_id": _m2o("res.currency", "Currency"),
            "amount_currency": _num("Amount in Currency", "monetary"),
            "amount_residual_currency": _num("Residual Amount in Currency", "monetary"),
            "company_currency_id": _m2o("res.currency", "Company Currency"),
            "company_id": _company(),
            "parent_state": _sel("Status", "draft", "posted", "cancel"),
            "reconciled": _flag("Reconciled"),
        },
        order="date desc, move_name desc, id",
        searchable=frozenset({"account_type"}),  # a related field searches through its relation
    ),
    "account.bank.statement.line": Model(
        "Bank Statement Line",
        {
            "date": Field("date", "Date"),
            "payment_ref": _char("Label"),
            "partner_id": _m2o("res.partner", "Partner"),
            "amount": _num("Amount", "monetary"),
            "journal_id": _m2o("account.journal", "Journal"),
            "move_id": _m2o("account.move", "Journal Entry"),
            # ``amount`` is in ``currency_id`` (the journal's currency, else the company's);
            # ``amount_currency`` in ``foreign_currency_id`` when the bank converted it.
            "currency_id": _m2o("res.currency", "Journal Currency"),
            "foreign_currency_id": _m2o("res.currency", "Foreign Currency"),
            "amount_currency": _num("Amount in Currency", "monetary"),
            "company_id": _company(),
            "is_reconciled": _flag("Is Reconciled"),
        },
        order="date desc, id desc",
        rec_name="payment_ref",
    ),
    "product.product": Model(
        "Product",
        {
            "name": _char("Name"),
            "default_code": _char("Internal Reference"),
            "list_price": _num("Sales Price"),
            "standard_price": _num("Cost"),
            # addons/product/models/product_template.py: the cost is in cost_currency_id, the current
            # company's currency (computed, not stored).
            "cost_currency_id": Field("many2one", "Cost Currency", relation="res.currency", store=False),
            "type": _sel("Product Type", "consu", "service", "product"),
            "active": _flag("Active"),
        },
        order="default_code, name, id",
    ),
    "stock.location": Model(
        "Inventory Location",
        {
            "name": _char("Location Name"),
            "complete_name": _char("Full Location Name"),
            "usage": _sel("Location Type", "supplier", "view", "internal", "customer", "inventory"),
            "location_id": _m2o("stock.location", "Parent Location"),
            "company_id": _company(),
            "active": _flag("Active"),
        },
        order="complete_name, id",
        rec_name="complete_name",
        parent="location_id",
    ),
    "stock.quant": Model(
        "Quants",
        {
            "product_id": _m2o("product.product", "Product"),
            "location_id": _m2o("stock.location", "Location"),
            "quantity": _num("Quantity"),
            "reserved_quantity": _num("Reserved Quantity"),
            "company_id": _company(),
        },
        rec_name="product_id",
    ),
    "stock.warehouse.orderpoint": Model(
        "Minimum Inventory Rule",
        {
            "name": _char("Name"),
            "product_id": _m2o("product.product", "Product"),
            "location_id": _m2o("stock.location", "Location"),
            "product_min_qty": _num("Min Quantity"),
            "product_max_qty": _num("Max Quantity"),
            "qty_multiple": _num("Multiple Quantity"),
            "trigger": _sel("Trigger", "auto", "manual"),
            # addons/stock/models/stock_orderpoint.py (17.0): on hand and forecast are computed at
            # read time (_compute_qty: virtual_available at the rule's location up to lead_days_date);
            # qty_to_order is stored (_compute_qty_to_order; 18.0 no longer stores it).
            "lead_days_date": _computed("date", "Lead Days Date"),
            "qty_on_hand": _computed("float", "On Hand"),
            "qty_forecast": _computed("float", "Forecast"),
            "qty_to_order": _num("To Order"),
            "company_id": _company(),
            "active": _flag("Active"),
        },
        order="location_id, id",
    ),
    "stock.picking": Model(
        "Transfer",
        {
            "name": _char("Reference"),
            "partner_id": _m2o("res.partner", "Contact"),
            "scheduled_date": Field("datetime", "Scheduled Date"),
            "date_done": Field("datetime", "Date of Transfer"),
            "state": _sel("Status", "draft", "waiting", "confirmed", "assigned", "done", "cancel"),
            "picking_type_code": _sel("Type of Operation", "incoming", "outgoing", "internal"),
            "origin": _char("Source Document"),
            "location_id": _m2o("stock.location", "Source Location"),
            "location_dest_id": _m2o("stock.location", "Destination Location"),
            "company_id": _company(),
        },
        order="scheduled_date, id desc",
    ),
    "stock.move": Model(
        "Stock Move",
        {
            "reference": _char("Reference"),
            "product_id": _m2o("product.product", "Product"),
            "date": Field("datetime", "Date Scheduled"),
            "state": _sel("Status", "draft", "waiting", "confirmed", "assigned", "done", "cancel"),
            "product_uom_qty": _num("Demand"),
            "quantity": _num("Quantity"),
            "location_id": _m2o("stock.location", "Source Location"),
            "location_dest_id": _m2o("stock.location", "Destination Location"),
            "picking_id": _m2o("stock.picking", "Transfer"),
            "company_id": _company(),
        },
        rec_name="reference",
    ),
    "crm.stage": Model(
        "CRM Stages",
        {
            "name": _char("Stage Name"),
            "sequence": _num("Sequence", "integer"),
            "is_won": _flag("Is Won Stage"),
            "fold": _flag("Folded in Pipeline"),  # addons/crm/models/crm_stage.py
        },
        order="sequence, name, id",
    ),
    "crm.lead": Model(
        "Lead/Opportunity",
        {
            "name": _char("Opportunity"),
            "partner_id": _m2o("res.partner", "Customer"),
            "stage_id": _m2o("crm.stage", "Stage"),
            "type": _sel("Type", "lead", "opportunity"),
            "expected_revenue": _num("Expected Revenue", "monetary"),
            "prorated_revenue": _num("Prorated Revenue", "monetary"),
            "probability": _num("Probability"),
            "priority": _sel("Priority", "0", "1", "2", "3"),
            "create_date": Field("datetime", "Created on"),
            "date_last_stage_update": Field("datetime", "Last Stage Update"),
            "date_closed": Field("datetime", "Closed Date"),
            "user_id": _m2o("res.users", "Salesperson"),
            "company_id": _company(),
            # addons/crm/models/crm_lead.py: expected_revenue is in company_currency, the company's
            # currency, computed and not stored.
            "company_currency": Field("many2one", "Currency", relation="res.currency", store=False),
            "active": _flag("Active"),
        },
        order="priority desc, id desc",
    ),
    "mailing.mailing": Model(
        "Mass Mailing",
        {
            "subject": _char("Subject"),
            "state": _sel("Status", "draft", "in_queue", "sending", "done"),
            "sent_date": Field("datetime", "Sent Date"),
            # 'sms' is added by addons/mass_mailing_sms/models/mailing_mailing.py (selection_add).
            "mailing_type": _sel("Mailing Type", "mail", "sms"),
            **{name: _computed("integer", name.title()) for name in MAILING_COUNTS},
            **{name: _computed("float", name.replace("_", " ").title()) for name in MAILING_RATIOS},
        },
        order="sent_date desc, id desc",
        rec_name="subject",
    ),
    "sale.order": Model(
        "Sales Order",
        {
            "name": _char("Order Reference"),
            "partner_id": _m2o("res.partner", "Customer"),
            "date_order": Field("datetime", "Order Date"),
            "state": _sel("Status", "draft", "sent", "sale", "cancel"),
            "amount_untaxed": _num("Untaxed Amount", "monetary"),
            "amount_total": _num("Total", "monetary"),
            # addons/sale/models/sale_order.py (17.0): amounts are in currency_id (the pricelist's,
            # else the company's); currency_rate is the company currency's rate to it on the order
            # date (_compute_currency_rate), stored.
            "currency_id": _m2o("res.currency", "Currency"),
            "currency_rate": _num("Currency Rate"),
            "opportunity_id": _m2o("crm.lead", "Opportunity"),
            "user_id": _m2o("res.users", "Salesperson"),
            "company_id": _company(),
        },
        order="date_order desc, id desc",
    ),
}


# Odoo 18.0's chart of accounts (addons/account/models/account_account.py, 18.0): an account may be
# shared by several companies (``company_ids``; no ``company_id``), and ``code`` is computed for the
# current company from the company-dependent ``code_store`` (false where the current company has
# none), searched by ``_search_code`` in the current company.
ACCOUNT_18 = Model(
    "Account",
    {
        "code": _computed("char", "Code"),
        "name": _char("Account Name"),
        "account_type": _sel("Type", *ACCOUNT_TYPES),
        "reconcile": _flag("Allow Reconciliation"),
        "currency_id": _m2o("res.currency", "Account Currency"),
        "company_ids": _m2m("res.company", "Companies"),
        "include_initial_balance": _computed("boolean", "Bring Accounts Balance Forward"),
    },
    order="code, id",
    searchable=frozenset({"code", "include_initial_balance"}),
)


def shared_accounts(version: str) -> bool:
    """Whether the series ``version`` ("17.0", "18.0", …) has 18.0's company-dependent accounts."""
    return int(version.split(".")[0]) >= 18


def models(version: str) -> dict[str, Model]:
    """The models as the Odoo series ``version`` has them."""
    if shared_accounts(version):
        return {**MODELS, "account.account": ACCOUNT_18}
    return MODELS
