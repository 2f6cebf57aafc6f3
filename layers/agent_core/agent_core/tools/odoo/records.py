"""What Odoo answers, as types: the values of its fields, and records checked against them once,
where they arrive, so that a tool never meets a shape it did not ask for.

A tool declares each record it reads as a ``TypedDict`` whose keys are the fields it asks for;
:class:`~agent_core.tools.odoo.client.OdooClient` checks every answer against it and turns a
mismatch (a number where records belong, a missing field, a field of another type) into a
:class:`ToolError` that names where it was.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from types import GenericAlias
from typing import Annotated, Any, Literal, cast, get_type_hints

from pydantic import AfterValidator, TypeAdapter, ValidationError


def _day(text: str) -> str:
    date.fromisoformat(text[:10])
    return text


def _moment(text: str) -> str:
    datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    return text


# Odoo sends ``false`` for an empty value of any type but numbers and booleans.
Many2one = tuple[int, str] | Literal[False]
"""``[id, "display name"]``."""
Text = str | Literal[False]
"""A char, text or selection field."""
Day = Annotated[str, AfterValidator(_day)] | Literal[False]
"""A date field, ``"YYYY-MM-DD"`` (or the start of a datetime)."""
Moment = Annotated[str, AfterValidator(_moment)] | Literal[False]
"""A datetime field, ``"YYYY-MM-DD HH:MM:SS"`` in UTC."""


def fields_of(record: type) -> list[str]:
    """The fields a record type asks Odoo for: its keys but ``id``, which every record has."""
    return [name for name in get_type_hints(record) if name != "id"]


class BadShape(Exception):
    """An answer that does not fit the type asked for; ``where`` says what part of it."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def records[R](record: type[R], value: Any) -> list[R]:
    """``value`` as a list of ``record`` (numbers and dates as Odoo sends them), or :class:`BadShape`."""
    return cast(list[R], _validated(GenericAlias(list, (record,)), value))


def checked[T](kind: type[T], value: Any) -> T:
    """``value`` as a ``kind`` (an ``int``, say), or :class:`BadShape`."""
    return cast(T, _validated(kind, value))


def _validated(shape: Any, value: Any) -> Any:
    try:
        return _adapter(shape).validate_python(value)
    except ValidationError as exc:
        raise BadShape(_where(exc.errors(include_url=False, include_input=False)[0])) from None


@cache
def _adapter(shape: Any) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def _where(error: Any) -> str:
    """``result[3].code: Field required``: the record and field, not pydantic's union branches."""
    loc = error["loc"]
    path = f"result[{loc[0]}]" if loc and isinstance(loc[0], int) else "result"
    if len(loc) > 1 and isinstance(loc[0], int) and isinstance(loc[1], str):
        path += f".{loc[1]}"
    return f"{path}: {error['msg']}"
