"""What an Odoo failure means, told so that the model can act on it (and never with a credential)."""

from __future__ import annotations

import re
from typing import Any

from agent_core.errors import ToolError
from agent_core.tools.odoo.apps import app_of
from agent_core.tools.odoo.connection import OdooConnection

MAX_MESSAGE = 400
_MISSING_DATABASE = re.compile(r'database "?[^"\s]*"? does not exist', re.IGNORECASE)
# odoo/service/model.py (16.0-19.0): execute_cr raises UserError("Object %s doesn't exist") for a
# model the database does not have (its module is not installed).
_MISSING_MODEL = re.compile(r"^Object ([a-z0-9_.]+) doesn't exist")
# odoo/addons/base/models/ir_model.py (ir.model.access check, 16.0-18.0; its successor in 19.0):
# "You are not allowed to access '<kind>' (<model>) records." then the groups that may.
_ACCESS = re.compile(r"not allowed to (access|modify|create|delete) '([^']*)' \(([a-z0-9_.]+)\) records")
# odoo/api.py (16.0-18.0, ``Environment.company``/``companies``): ``allowed_company_ids`` naming a
# company the user does not belong to.
_UNAUTHORIZED_COMPANIES = "Access to unauthorized or invalid companies"
_RIGHT = {"access": "read", "modify": "write", "create": "create", "delete": "delete"}
MISSING_MODEL = "odoo_missing_model"
ACCESS_ERROR = "odoo_access_error"


class CredentialsRefused(ToolError):
    """Odoo refused the login or API key (the client re-authenticates once before giving up)."""

    code = "odoo_access_denied"


def refused(connection: OdooConnection) -> CredentialsRefused:
    return CredentialsRefused(
        f"Odoo at {connection.where} refused this workspace's login for database {connection.db!r}: "
        "the login or API key is wrong or was revoked. An operator can store new ones with "
        "`agentctl secret set <tenant>`; retrying will not help."
    )


def bad_shape(connection: OdooConnection, what: str, where: str) -> ToolError:
    """Odoo answered ``what`` (``model.method``) with something else than Odoo sends there."""
    return ToolError(
        connection.scrub(
            f"the Odoo server at {connection.where} answered {what} in a shape this tool cannot read "
            f"({where}); it may not be a standard Odoo 17 or 18, or the workspace's Odoo URL may point "
            "elsewhere (an operator can check). Retrying will not help."
        ),
        code="odoo_bad_response",
    )


def from_odoo(error: Any, connection: OdooConnection) -> ToolError:
    """A :class:`ToolError` for a JSON-RPC ``error`` object; Odoo's debug trace is left out."""
    error = error if isinstance(error, dict) else {}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "unknown error")
    message = connection.scrub(message).strip()
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "…"
    if name.endswith(".AccessDenied") or name.endswith("SessionExpiredException") or error.get("code") == 100:
        return refused(connection)
    if _MISSING_DATABASE.search(message):
        return ToolError(
            f"the Odoo database {connection.db!r} does not exist on {connection.where}; an operator "
            "should check the workspace's Odoo database name (`agentctl tenant update <tenant> "
            "--odoo-db …`). Retrying will not help.",
            code="odoo_unknown_database",
        )
    if name.endswith(".AccessError"):
        return access_error(message)
    if name.endswith(".UserError") and (missing := _MISSING_MODEL.match(message)):
        return missing_model(missing.group(1))
    if name in ("builtins.ValueError", "builtins.TypeError", "builtins.KeyError") or name.endswith(
        (".UserError", ".ValidationError", ".MissingError")
    ):
        return ToolError(f"Odoo rejected the request: {message}", code="odoo_rejected")
    kind = name.rsplit(".", 1)[-1] or "error"
    return ToolError(f"Odoo failed ({kind}): {message}", code="odoo_error")


def missing_model(model: str) -> ToolError:
    """The database has no ``model``: the app that provides it is not installed."""
    app = app_of(model)
    provider = f"the {app} app is not installed there" if app else "the app that provides it is not installed"
    return ToolError(
        f"the workspace's Odoo has no {model} records to read: {provider}. This tool cannot work "
        "until an operator installs it; retrying will not help.",
        code=MISSING_MODEL,
    )


def access_error(message: str) -> ToolError:
    """Odoo's ``AccessError``, told as the right that is missing and the app it belongs to."""
    if _UNAUTHORIZED_COMPANIES in message:
        return ToolError(
            f"Odoo denied access: {message} The workspace's Odoo binding names a company its Odoo user "
            "does not belong to; an operator should bind the workspace to that user's companies "
            "(`agentctl tenant update <tenant> --odoo-company …`) or add the company to the user in "
            "Odoo. Retrying will not help.",
            code=ACCESS_ERROR,
        )
    found = _ACCESS.search(message)
    if found is None:
        return ToolError(
            f"Odoo denied access: {message} (the workspace's Odoo user lacks the rights for this; "
            "an operator can grant them in Odoo)",
            code=ACCESS_ERROR,
        )
    verb, _, model = found.groups()
    app = app_of(model)
    first = message.splitlines()[0].strip()
    groups = [line.strip(" \t-") for line in message.splitlines() if line.startswith(("\t-", "\t -", "- "))]
    who = f" Odoo grants it to: {'; '.join(groups)}." if groups else ""
    of_app = f" (the {app} app)" if app else ""
    return ToolError(
        f"Odoo denied access: {first} The workspace's Odoo user lacks the {_RIGHT[verb]} right on "
        f"{model}{of_app}.{who} An operator can give that user the right in Odoo (Settings > Users); "
        "retrying will not help.",
        code=ACCESS_ERROR,
    )
