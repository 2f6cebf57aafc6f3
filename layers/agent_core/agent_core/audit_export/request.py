"""What one export run covers: a UTC day, and one tenant or every tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from agent_core.clock import utc_now
from agent_core.errors import InvalidRequest
from agent_core.keys import checked_id


@dataclass(frozen=True)
class ExportRequest:
    """A day (``yyyy-mm-dd``, UTC) and a tenant (``None``: every tenant)."""

    day: str
    tenant_id: str | None = None

    @classmethod
    def of(cls, *, day: str | None, tenant_id: str | None, now: datetime | None = None) -> ExportRequest:
        """The given day, or the UTC day before ``now`` (the clock's); the tenant checked like any
        id in a key."""
        if day is None:
            chosen = ((now or utc_now()).astimezone(UTC).date() - timedelta(days=1)).isoformat()
        else:
            try:
                chosen = date.fromisoformat(day).isoformat()
            except ValueError:
                raise InvalidRequest(f"date must be a day as yyyy-mm-dd, not {day!r}") from None
            if chosen != day:
                raise InvalidRequest(f"date must be a day as yyyy-mm-dd, not {day!r}")
        return cls(day=chosen, tenant_id=None if tenant_id is None else checked_id(tenant_id, "tenant_id"))

    @classmethod
    def from_event(cls, event: Any, *, now: datetime | None = None) -> ExportRequest:
        """From the scheduler's input (``{}``: yesterday, every tenant) or an operator's
        ``{"date": "2026-11-28", "tenant": "acme"}``."""
        given = event if isinstance(event, dict) else {}
        day, tenant = given.get("date"), given.get("tenant")
        if day is not None and not isinstance(day, str):
            raise InvalidRequest("date must be a string yyyy-mm-dd")
        if tenant is not None and not isinstance(tenant, str):
            raise InvalidRequest("tenant must be a tenant id")
        return cls.of(day=day, tenant_id=tenant, now=now)
