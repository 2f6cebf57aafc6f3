"""Odoo: the tenant's ERP over JSON-RPC, and the read tools of the finance, warehouse, marketing
and sales agents. Each tool reaches the run's tenant's Odoo with that tenant's credentials."""

from agent_core.tools.odoo.banking import get_bank_balance, get_bank_transactions, reconcile_account
from agent_core.tools.odoo.client import OdooClient, odoo
from agent_core.tools.odoo.connection import OdooConnection
from agent_core.tools.odoo.finance import get_cash_flow, get_gl_balance, list_gl_accounts
from agent_core.tools.odoo.marketing import (
    get_campaign_metrics,
    get_conversion_rates,
    get_lead_scoring,
    get_pipeline_overview,
)
from agent_core.tools.odoo.sales import (
    get_deal_velocity,
    get_pipeline_value,
    get_top_customers,
    get_upsell_opportunities,
)
from agent_core.tools.odoo.warehouse import (
    get_pending_receipts,
    get_reorder_alerts,
    get_slow_moving_stock,
    get_stock_levels,
)

FINANCE_TOOLS = (
    get_gl_balance,
    list_gl_accounts,
    get_cash_flow,
    get_bank_balance,
    get_bank_transactions,
    reconcile_account,
)
WAREHOUSE_TOOLS = (get_stock_levels, get_reorder_alerts, get_slow_moving_stock, get_pending_receipts)
MARKETING_TOOLS = (get_pipeline_overview, get_lead_scoring, get_campaign_metrics, get_conversion_rates)
SALES_TOOLS = (get_pipeline_value, get_deal_velocity, get_top_customers, get_upsell_opportunities)
ODOO_TOOLS = FINANCE_TOOLS + WAREHOUSE_TOOLS + MARKETING_TOOLS + SALES_TOOLS

__all__ = [
    "FINANCE_TOOLS",
    "MARKETING_TOOLS",
    "ODOO_TOOLS",
    "SALES_TOOLS",
    "WAREHOUSE_TOOLS",
    "OdooClient",
    "OdooConnection",
    "odoo",
]
