"""Export a tenant's day of audit entries to S3, in parts of bounded size, resumably."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import batched
from typing import TYPE_CHECKING, Any

from agent_core import keys
from agent_core.audit_export.encoding import FORMAT_VERSION, encode_manifest, encode_part
from agent_core.audit_export.report import report
from agent_core.audit_export.request import ExportRequest
from agent_core.errors import AgentRuntimeError
from agent_core.store.audit import AuditStore
from agent_core.store.tenants import TenantStore

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

    from agent_core.runtime import Runtime

# A part holds at most this many entries: a few MB of JSON before gzip, whatever the day's size.
ENTRIES_PER_PART = 5000


class ExportNotConfigured(AgentRuntimeError):
    """No bucket to export to (``AUDIT_BUCKET``, or ``agentctl export --bucket``)."""


@dataclass(frozen=True)
class PartInfo:
    """One written (or already present) part, as the manifest lists it."""

    key: str
    entries: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class DayExport:
    """What the export of one tenant's day did."""

    tenant_id: str
    day: str
    parts: tuple[PartInfo, ...] = ()
    written: int = 0  # parts put in this run; the others were already there, byte for byte
    first_created_at: str | None = None
    last_created_at: str | None = None

    @property
    def entries(self) -> int:
        return sum(part.entries for part in self.parts)

    @property
    def bytes(self) -> int:
        return sum(part.bytes for part in self.parts)

    @property
    def manifest_key(self) -> str:
        return keys.audit_export_manifest(self.tenant_id, self.day)

    @property
    def skipped(self) -> bool:
        """The tenant had no entries that day: nothing was written."""
        return not self.parts

    def manifest(self) -> dict[str, Any]:
        """The manifest's content: counts, sizes, each part's SHA-256, the time range, the format."""
        return {
            "format_version": FORMAT_VERSION,
            "tenant": self.tenant_id,
            "date": self.day,
            "entries": self.entries,
            "bytes": self.bytes,
            "first_created_at": self.first_created_at,
            "last_created_at": self.last_created_at,
            "parts": [
                {"key": p.key, "entries": p.entries, "bytes": p.bytes, "sha256": p.sha256} for p in self.parts
            ],
        }

    def summary(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "date": self.day,
            "entries": self.entries,
            "parts": len(self.parts),
            "parts_written": self.written,
            "bytes": self.bytes,
            "skipped": self.skipped,
        }


@dataclass
class AuditExport:
    """Reads a tenant's audit partition of a day page by page and writes it to ``bucket``."""

    audit: AuditStore
    tenants: TenantStore
    s3: S3Client
    bucket: str
    entries_per_part: int = ENTRIES_PER_PART
    page_size: int = 1000

    @classmethod
    def of(cls, runtime: Runtime, *, bucket: str | None = None) -> AuditExport:
        """The export on a runtime's table, to ``bucket`` or the settings' ``audit_bucket``."""
        chosen = bucket or runtime.settings.audit_bucket
        if not chosen:
            raise ExportNotConfigured("no bucket to export to: set AUDIT_BUCKET (or pass --bucket)")
        return cls(audit=runtime.audit, tenants=runtime.tenants, s3=runtime.aws.client("s3"), bucket=chosen)

    def run(
        self, request: ExportRequest, *, on_exported: Callable[[DayExport], None] = report
    ) -> list[DayExport]:
        """The request's day for its tenant, or for every tenant in id order. Each tenant's export
        goes to ``on_exported`` as it is done: by default a log line, and metrics unless it had
        nothing to export (``agentctl`` prints its own table instead)."""
        if request.tenant_id is not None:
            tenant_ids = [request.tenant_id]
        else:
            tenant_ids = sorted(tenant.tenant_id for tenant in self.tenants.list())
        done = []
        for tenant_id in tenant_ids:
            exported = self.export_day(tenant_id, request.day)
            on_exported(exported)
            done.append(exported)
        return done

    def export_day(self, tenant_id: str, day: str) -> DayExport:
        """Write the tenant's day: part after part, then its manifest. A part already in S3 with
        exactly these bytes (its ETag is their MD5) is left as it is, so a run that was cut off
        resumes where it stopped. A day without entries writes nothing, and lists nothing."""
        present: dict[str, str] | None = None
        parts: list[PartInfo] = []
        written = 0
        first: str | None = None
        last: str | None = None
        for number, chunk in enumerate(batched(self._entries(tenant_id, day), self.entries_per_part)):
            if present is None:
                present = self._etags(keys.audit_export_folder(tenant_id, day))
            body = encode_part(chunk)
            key = keys.audit_export_part(tenant_id, day, number)
            if present.get(key) != hashlib.md5(body, usedforsecurity=False).hexdigest():
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/gzip")
                written += 1
            parts.append(PartInfo(key, len(chunk), len(body), hashlib.sha256(body).hexdigest()))
            first = first or chunk[0].get("created_at")
            last = chunk[-1].get("created_at")
        exported = DayExport(tenant_id, day, tuple(parts), written, first, last)
        if not exported.skipped:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=exported.manifest_key,
                Body=encode_manifest(exported.manifest()),
                ContentType="application/json",
            )
        return exported

    def _entries(self, tenant_id: str, day: str) -> Iterator[dict[str, Any]]:
        return self.audit.day(tenant_id, day, page_size=self.page_size)

    def _etags(self, prefix: str) -> dict[str, str]:
        """The objects already under ``prefix``, by key: their ETags (MD5 of a single PUT's bytes)."""
        found: dict[str, str] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                found[obj["Key"]] = obj["ETag"].strip('"')
        return found
