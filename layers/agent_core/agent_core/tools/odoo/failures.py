"""What an Odoo failure means, told so that the model can act on it (and never with a credential)."""

from __future__ import annotations

import re
from typing import Any

from agent_core.errors import ToolError
from agent_core.tools.odoo.connection import OdooConnection

MAX_MESSAGE = 400
_MISSING_DATABASE = re.compile(r'database "?[^"\s]*"? does not exist', re.IGNORECASE)


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
        return ToolError(
            f"Odoo denied access: {message} (the workspace's Odoo user lacks the rights for this; "
            "an operator can grant them in Odoo)",
            code="odoo_access_error",
        )
    if name in ("builtins.ValueError", "builtins.TypeError", "builtins.KeyError") or name.endswith(
        (".UserError", ".ValidationError", ".MissingError")
    ):
        return ToolError(f"Odoo rejected the request: {message}", code="odoo_rejected")
    kind = name.rsplit(".", 1)[-1] or "error"
    return ToolError(f"Odoo failed ({kind}): {message}", code="odoo_error")
