"""Audit export function: each tenant's audit entries of one UTC day to S3 (EventBridge Scheduler
runs it daily for the day before; an operator may invoke it with ``{"date", "tenant"}``). A plain
handler: no HTTP, no model SDK."""

from __future__ import annotations

from typing import Any

from agent_core import AuditExport, ExportRequest, Runtime


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Export the event's day (default: yesterday, UTC) of its tenant (default: every tenant).

    The runtime is made per run: a daily job gains nothing from a warm one, and each run reads its
    settings (``AUDIT_BUCKET``) afresh.
    """
    request = ExportRequest.from_event(event)
    exported = AuditExport.of(Runtime()).run(request)
    return {"date": request.day, "tenants": [day.summary() for day in exported]}
