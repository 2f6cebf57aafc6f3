"""What an export run tells its operators: one log line per tenant, and EMF metrics.

The tenant is the log line's, never a metric dimension (one billed series per customer): the
metrics carry it as metadata, which CloudWatch keeps in the log line and does not bill as a series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from agent_core.observability.logs import SERVICE, logger
from agent_core.observability.metrics import NAMESPACE

if TYPE_CHECKING:
    from agent_core.audit_export.exporter import DayExport

EXPORTED_ENTRIES = "AuditExportEntries"
EXPORTED_PARTS = "AuditExportParts"
EXPORTED_BYTES = "AuditExportBytes"


def report(exported: DayExport) -> None:
    """Log the tenant's export; print its metrics unless there was nothing to export."""
    logger.info("audit export", extra={"tenant_id": exported.tenant_id, **exported.summary()})
    if exported.skipped:
        return
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_metadata(key="tenant_id", value=exported.tenant_id)
    metrics.add_metadata(key="date", value=exported.day)
    metrics.add_metric(name=EXPORTED_ENTRIES, unit=MetricUnit.Count, value=exported.entries)
    metrics.add_metric(name=EXPORTED_PARTS, unit=MetricUnit.Count, value=len(exported.parts))
    metrics.add_metric(name=EXPORTED_BYTES, unit=MetricUnit.Bytes, value=exported.bytes)
    metrics.flush_metrics()
