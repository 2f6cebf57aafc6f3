"""A seeded audit trail on the moto table and a bucket to export it to."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from agent_core import Runtime, Tenant
from agent_core.audit_export import AuditExport
from agent_core.store.records import AuditEntry
from tests.conftest import RuntimeFactory

BUCKET = "agent-runtime-audit-test"
DAY = "2026-11-28"
# Thousands of entries on the day, unevenly across tenants; a tenant with none that day; and
# entries on the days either side, which the day's export must leave out.
ENTRIES_ON_DAY = {"acme": 1600, "globex": 900, "initech": 7}
QUIET_TENANT = "umbrella"
PART_SIZE = 300


def entry(tenant_id: str, day: str, n: int) -> AuditEntry:
    second = n % 86_400
    stamp = f"{day}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{n % 1000:03d}Z"
    return AuditEntry(
        call_id=f"toolu_{tenant_id}_{n:06d}",
        tool="get_stock_levels" if n % 3 else "create_task",
        input={"location": f"{tenant_id}-wh-{n % 7}", "note": "crème brûlée ✓"},
        mode="shadow" if n % 3 == 0 else "live",
        ok=n % 11 != 0,
        error=None if n % 11 else "tool_error: no such location",
        result_size=n,
        latency_ms=n % 900,
        started_at=stamp,
        run_id=f"run_{tenant_id}_{n // 4:06d}",
        session_id=f"ses_{tenant_id}_{n // 20:05d}",
        agent_id="warehouse",
        caller_id=f"{tenant_id}-user",
    )


@dataclass(frozen=True)
class Seeded:
    runtime: Runtime
    expected: dict[str, list[dict[str, Any]]]  # the day's entries of each tenant, as the table holds them


@pytest.fixture
def bucket() -> str:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def seeded(make_runtime: RuntimeFactory, bucket: str) -> Seeded:
    runtime = make_runtime(audit_bucket=bucket)
    expected: dict[str, list[dict[str, Any]]] = {}
    for tenant_id in (*ENTRIES_ON_DAY, QUIET_TENANT):
        runtime.tenants.put(Tenant(tenant_id=tenant_id, name=tenant_id.title()))
    for tenant_id, count in ENTRIES_ON_DAY.items():
        entries = [entry(tenant_id, DAY, n) for n in range(count)]
        for made in entries:
            runtime.audit.record(tenant_id, made)
        expected[tenant_id] = sorted(
            (json.loads(e.model_dump_json()) for e in entries), key=lambda e: (e["created_at"], e["call_id"])
        )
        runtime.audit.record(tenant_id, entry(tenant_id, "2026-11-27", 1))
        runtime.audit.record(tenant_id, entry(tenant_id, "2026-11-29", 2))
    runtime.audit.record(QUIET_TENANT, entry(QUIET_TENANT, "2026-11-27", 3))
    return Seeded(runtime, expected)


def exporter(runtime: Runtime, **overrides: Any) -> AuditExport:
    made = AuditExport.of(runtime)
    made.entries_per_part = PART_SIZE
    for name, value in overrides.items():
        setattr(made, name, value)
    return made


def objects(bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix``, by key."""
    s3 = boto3.client("s3", region_name="us-east-1")
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            found[obj["Key"]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return found


def lines(part: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(part).decode().splitlines()]
