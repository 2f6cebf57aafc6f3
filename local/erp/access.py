"""Who may read what in a demo database: the API user reads everything; a second, restricted API
user (a sales-only integration) lacks the read right on accounting, inventory and email marketing.

What Odoo does and this imitates:

- ``odoo/addons/base/models/ir_model.py`` (``ir.model.access``, ``check``; 16.0-18.0): a model the
  user's groups give no right on raises ``AccessError`` with the message "You are not allowed to
  access '<description>' (<model>) records.", a blank line, "This operation is allowed for the
  following groups:" and one ``\\t- <category> / <group>`` line per group (or "No group currently
  allows this operation."), a blank line, and "Contact your administrator to request access if
  necessary."
- ``odoo/models.py`` (16.0-17.0; deprecated but kept in 18.0 and in 19.0's ``odoo/orm/models.py``):
  ``check_access_rights(operation, raise_exception=True)`` answers True, or False when the right is
  missing and ``raise_exception`` is false (else the ``AccessError`` above).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from local.erp.errors import AccessError
from local.erp.profiles import PROFILES

OPERATIONS = ("read", "write", "create", "unlink")
_HEADS = {
    "read": "You are not allowed to access '{kind}' ({model}) records.",
    "write": "You are not allowed to modify '{kind}' ({model}) records.",
    "create": "You are not allowed to create '{kind}' ({model}) records.",
    "unlink": "You are not allowed to delete '{kind}' ({model}) records.",
}
RESOLUTION = "Contact your administrator to request access if necessary."
# The groups that grant read on the models the restricted user lacks (the demo's choice of
# groups, named "<category> / <group>" as group_names_with_access does).
GROUPS_OF_MODEL: dict[str, tuple[str, ...]] = {
    "account.account": ("Accounting / Billing", "Accounting / Read-only"),
    "account.move.line": ("Accounting / Billing", "Accounting / Read-only"),
    "account.journal": ("Accounting / Billing", "Accounting / Read-only"),
    "account.bank.statement.line": ("Accounting / Billing", "Accounting / Read-only"),
    "stock.quant": ("Inventory / User",),
    "stock.move": ("Inventory / User",),
    "stock.picking": ("Inventory / User",),
    "stock.warehouse.orderpoint": ("Inventory / User",),
    "mailing.mailing": ("Email Marketing / User",),
}
RESTRICTED_UID_BASE = 40  # beside the API user's uid (6-15), never one of the seeded users


@dataclass(frozen=True)
class ApiUser:
    """One API user of a database: its uid, login and key, and the models it may not read."""

    uid: int
    login: str
    api_key: str
    denied: frozenset[str] = frozenset()

    def check(self, model: str, description: str, operation: str = "read") -> None:
        """Odoo's ``ir.model.access`` check: an ``AccessError`` unless the user has the right."""
        if model in self.denied or operation != "read":
            raise access_error(model, description, operation)

    def may(self, model: str, operation: str) -> bool:
        return model not in self.denied and operation == "read"


def restricted_credentials(db: str) -> tuple[str, str]:
    """The restricted (sales-only) API user's ``(login, api_key)`` for ``db``; not the main user's."""
    if db not in PROFILES:
        raise KeyError(f"no demo database {db!r}; there are: {', '.join(PROFILES)}")
    key = hashlib.sha256(f"demo-erp:{db}:restricted-api-key".encode()).hexdigest()[:40]
    return f"sales-api@{PROFILES[db].domain}", key


def restricted_user(db: str, seed: int) -> ApiUser:
    login, key = restricted_credentials(db)
    return ApiUser(RESTRICTED_UID_BASE + seed % 10, login, key, frozenset(GROUPS_OF_MODEL))


def access_error(model: str, description: str, operation: str) -> AccessError:
    """The ``AccessError`` of ``ir.model.access`` for ``operation`` on ``model``, worded as Odoo's."""
    groups = GROUPS_OF_MODEL.get(model, ()) if operation == "read" else ()
    allowed = (
        "This operation is allowed for the following groups:\n" + "\n".join(f"\t- {g}" for g in groups)
        if groups
        else "No group currently allows this operation."
    )
    head = _HEADS[operation].format(kind=description, model=model)
    return AccessError(f"{head}\n\n{allowed}\n\n{RESOLUTION}")
