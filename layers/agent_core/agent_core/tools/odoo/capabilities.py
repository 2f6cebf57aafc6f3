"""What each Odoo tool needs of the tenant's Odoo, and what a binding was found to offer (cached).

Each tool declares the models it reads (:data:`TOOL_MODELS`); the probe (``offer.probe``) asks the
server its version and, per model, whether the API user may read it. A tool whose model is missing
(its app is not installed) or not readable is not offered to the model, and ``GET /agents`` says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from agent_core.tools.odoo.apps import app_of
from agent_core.tools.odoo.uids import UidKey

# A tenant's binding as its record names it: the tenant, the server and the database.
type BindingKey = tuple[str, str, str]

CAPABILITY_SECONDS = 600.0  # a binding's probe is trusted this long, then made again
FAILED_PROBE_SECONDS = 30.0  # an Odoo that did not answer the probe is asked again after this
SUPPORTED_MAJORS = range(16, 20)  # 16.0-18.0, and 19.0 while its /jsonrpc answers

# The models each Odoo tool reads (tests/agent_core/tools/odoo/test_capabilities.py checks them
# against the calls each tool makes to the demo ERP).
TOOL_MODELS: dict[str, tuple[str, ...]] = {
    "get_gl_balance": ("account.account", "account.move.line", "res.company"),
    "list_gl_accounts": ("account.account", "res.company"),
    "get_cash_flow": ("account.move.line", "res.company"),
    "get_bank_balance": ("account.journal", "account.move.line", "res.company"),
    "get_bank_transactions": ("account.bank.statement.line",),
    "reconcile_account": ("account.bank.statement.line", "account.move.line", "res.company"),
    "get_stock_levels": ("stock.quant",),
    "get_reorder_alerts": ("stock.warehouse.orderpoint", "stock.quant"),
    "get_slow_moving_stock": ("stock.quant", "stock.move", "product.product"),
    "get_pending_receipts": ("stock.picking", "stock.move"),
    "get_pipeline_overview": ("crm.lead", "crm.stage", "res.company"),
    "get_lead_scoring": ("crm.lead", "crm.stage"),
    "get_campaign_metrics": ("mailing.mailing",),
    "get_conversion_rates": ("crm.lead", "crm.stage", "sale.order"),
    "get_pipeline_value": ("crm.lead", "crm.stage", "res.company"),
    "get_deal_velocity": ("crm.lead", "crm.stage"),
    "get_top_customers": ("sale.order",),
    "get_upsell_opportunities": ("sale.order", "crm.lead", "res.company"),
}
PROBED_MODELS = tuple(sorted({model for models in TOOL_MODELS.values() for model in models}))


def is_odoo_tool(name: str) -> bool:
    return name in TOOL_MODELS


@dataclass(frozen=True)
class Capabilities:
    """What one binding offers: its version, the models it lacks and those its user may not read.

    ``failure`` says why the probe could not finish (Odoo down, say): then nothing is known, and
    every tool is offered (each call tells its own failure).
    """

    version: str | None = None
    missing: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()
    failure: str | None = None

    @property
    def supported(self) -> bool:
        major = major_of(self.version)
        return major is None or major in SUPPORTED_MAJORS

    def why_not(self, tool: str) -> str | None:
        """Why ``tool`` cannot work on this binding, or None if it can (or nothing is known)."""
        if self.failure is not None or not is_odoo_tool(tool):
            return None
        if not self.supported:
            return f"Odoo {self.version} is not supported (16.0 to 19.0 are)"
        for model in TOOL_MODELS[tool]:
            app = app_of(model)
            if model in self.missing:
                return f"the {app or 'Odoo app'} app is not installed (no model {model})"
            if model in self.denied:
                of_app = f" of the {app} app" if app else ""
                return f"the Odoo user lacks the read right on {model}{of_app}"
        return None


def major_of(version: str | None) -> int | None:
    """16 of ``16.0``, 17 of ``saas~17.2``; None if unknown."""
    digits = (version or "").removeprefix("saas~").split(".")[0]
    return int(digits) if digits.isdigit() else None


class OdooCapabilities:
    """Each binding's capabilities, for every run of the process, keyed like the uid cache.

    An entry expires (:data:`CAPABILITY_SECONDS`; a failed probe sooner), and a call that meets a
    missing model or an ``AccessError`` drops it (:meth:`forget`): the next turn probes again.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[UidKey, tuple[float, Capabilities]] = {}
        self._latest: dict[BindingKey, UidKey] = {}  # the connection each binding was last probed as
        self._lock = threading.Lock()
        self._now = now

    def recall(self, binding: BindingKey) -> Capabilities | None:
        """What the binding was last found to offer, while that holds: known without reading the
        tenant's secret (a warm turn asks neither Secrets Manager nor Odoo)."""
        with self._lock:
            key = self._latest.get(binding)
        return self.get(key) if key is not None else None

    def get(self, key: UidKey) -> Capabilities | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._now():
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: UidKey, capabilities: Capabilities) -> None:
        seconds = FAILED_PROBE_SECONDS if capabilities.failure is not None else CAPABILITY_SECONDS
        with self._lock:
            self._entries[key] = (self._now() + seconds, capabilities)

    def link(self, binding: BindingKey, key: UidKey) -> None:
        """Note that ``binding`` is reached as connection ``key`` (see :meth:`recall`)."""
        with self._lock:
            self._latest[binding] = key

    def forget(self, key: UidKey) -> None:
        """Drop what is known of this binding (a call just met a missing model or a denied right)."""
        with self._lock:
            self._entries.pop(key, None)
