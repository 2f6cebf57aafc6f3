"""Odoo's wire values, read (many2one pairs, dates, money), and the small types the tools share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from agent_core.clock import utc_now

Domain = list[Any]

Limit = Annotated[int, Field(ge=1, le=500, description="At most this many rows.")]
Top = Annotated[int, Field(ge=1, le=100, description="How many to return, best first.")]
DateFrom = Annotated[date | None, Field(description="First day included (YYYY-MM-DD).")]
DateTo = Annotated[date | None, Field(description="Last day included (YYYY-MM-DD); default today.")]
Salesperson = Annotated[str | None, Field(description="Only this salesperson's records (part of a name).")]


class Period(BaseModel):
    """The days a figure covers, both included; no ``date_from`` means since the first record."""

    date_from: date | None = None
    date_to: date


def money(value: Any) -> float:
    return round(float(value or 0), 2)


def name_of(value: Any) -> str | None:
    """The display name of a many2one value ``[id, "name"]`` (``false`` when empty)."""
    return str(value[1]) if isinstance(value, list | tuple) and len(value) == 2 else None


def id_of(value: Any) -> int | None:
    return int(value[0]) if isinstance(value, list | tuple) and value else None


def day_of(value: Any) -> date | None:
    """A date or datetime field's day (``"2026-03-01"`` or ``"2026-03-01 09:30:00"``)."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def moment_of(value: Any) -> datetime | None:
    """A datetime field as an aware UTC datetime (Odoo stores and sends UTC)."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def wire_moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def today() -> date:
    return utc_now().date()


def days_between(earlier: datetime | None, later: datetime) -> float | None:
    return round((later - earlier).total_seconds() / 86400, 1) if earlier else None


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def date_domain(field: str, date_from: date | None, date_to: date | None) -> Domain:
    """Both days included; for a datetime field Odoo reads ``<= "YYYY-MM-DD"`` as up to 23:59:59."""
    domain: Domain = []
    if date_from:
        domain.append([field, ">=", date_from.isoformat()])
    if date_to:
        domain.append([field, "<=", date_to.isoformat()])
    return domain
