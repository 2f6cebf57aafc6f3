"""The audit export: each tenant's day of audit entries, from the table to S3, for Athena.

``audit/tenant=<t>/date=<yyyy-mm-dd>/part-<n>.jsonl.gz`` (gzip'd JSON lines, a bounded number of
entries each) and ``audit-manifests/tenant=<t>/date=<yyyy-mm-dd>/manifest.json`` (what the parts
hold). Byte for byte the same on every run over the same entries; a run cut off resumes: the parts
already in S3 with the expected bytes are not written again.
"""

from agent_core.audit_export.encoding import FORMAT_VERSION, encode_part
from agent_core.audit_export.exporter import AuditExport, DayExport, ExportNotConfigured, PartInfo
from agent_core.audit_export.request import ExportRequest

__all__ = [
    "FORMAT_VERSION",
    "AuditExport",
    "DayExport",
    "ExportNotConfigured",
    "ExportRequest",
    "PartInfo",
    "encode_part",
]
