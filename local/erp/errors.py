"""The exceptions Odoo raises, named as Odoo names them on the wire (``data.name``)."""

from __future__ import annotations


class OdooException(Exception):
    """Base of ``odoo.exceptions.*``; ``str(exc)`` is the message a user sees."""

    @property
    def wire_name(self) -> str:
        return f"odoo.exceptions.{type(self).__name__}"


class UserError(OdooException):
    pass


class AccessDenied(OdooException):
    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(OdooException):
    pass


class MissingError(OdooException):
    pass


class DatabaseMissing(Exception):
    """What Odoo lets through from PostgreSQL when the database does not exist."""

    wire_name = "psycopg2.OperationalError"

    def __init__(self, db: str) -> None:
        super().__init__(f'connection to server failed: FATAL:  database "{db}" does not exist')


def wire_name(exc: BaseException) -> str:
    """``data.name`` of the JSON-RPC error for ``exc``: ``builtins.ValueError`` and the like."""
    name = getattr(exc, "wire_name", None)
    if isinstance(name, str):
        return name
    return f"{type(exc).__module__}.{type(exc).__qualname__}"
