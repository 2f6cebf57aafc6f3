"""``agentctl export``: write a day of audit entries to the audit bucket now, as the daily schedule
does (one tenant, or every tenant). Re-running it rewrites nothing that is already there."""

from __future__ import annotations

import argparse

from agent_core.audit_export import AuditExport, DayExport, ExportRequest
from agent_core.errors import InvalidRequest
from agentctl.console import table
from agentctl.context import Context
from agentctl.errors import UsageError


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``export`` to the command line."""
    export = commands.add_parser(
        "export",
        parents=common,
        help="export a day of audit entries to S3 now (what the daily schedule does)",
        description="Write each tenant's audit entries of one UTC day to the audit bucket as "
        "audit/tenant=<t>/date=<d>/part-<n>.jsonl.gz, with a manifest under audit-manifests/. "
        "Parts already there with the same bytes are not written again.",
        epilog="examples: %(prog)s --tenant acme --date 2026-11-28\n"
        "          %(prog)s   (yesterday, every tenant)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--tenant", metavar="TENANT_ID", help="only this tenant (default: every tenant)")
    export.add_argument("--date", metavar="YYYY-MM-DD", help="the UTC day (default: yesterday)")
    export.add_argument(
        "--bucket",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the audit bucket (default: the stack's AuditBucketName output, or env AUDIT_BUCKET)",
    )
    export.set_defaults(handler=export_audit)


def export_audit(options: argparse.Namespace, ctx: Context) -> None:
    try:
        request = ExportRequest.of(day=options.date, tenant_id=options.tenant)
    except InvalidRequest as exc:
        raise UsageError(f"--date: {exc.message}") from None
    if request.tenant_id is not None:
        ctx.tenant(request.tenant_id)  # one line if there is no such tenant
    bucket = ctx.target.audit_bucket
    if not bucket:
        raise UsageError(
            "no audit bucket: pass --bucket NAME, --stack NAME (its AuditBucketName), or set AUDIT_BUCKET"
        )
    exported = AuditExport.of(ctx.runtime, bucket=bucket).run(request, on_exported=_quietly)
    ctx.console.result(
        {"date": request.day, "bucket": bucket, "tenants": [day.summary() for day in exported]},
        _text(request, bucket, exported),
    )


def _quietly(_: DayExport) -> None:
    """The function's log line and metrics are for Lambda; the operator reads the table."""


def _text(request: ExportRequest, bucket: str, exported: list[DayExport]) -> str:
    if not exported:
        return f"No tenants: nothing to export for {request.day}."
    rows = [
        (
            day.tenant_id,
            str(day.entries),
            str(len(day.parts)),
            str(day.written),
            str(day.bytes),
            "no entries" if day.skipped else f"s3://{bucket}/{day.parts[0].key.rsplit('/', 1)[0]}/",
        )
        for day in exported
    ]
    header = ("TENANT", "ENTRIES", "PARTS", "WRITTEN", "BYTES", "WHERE")
    return f"Audit entries of {request.day}:\n{table(header, rows)}"
