"""``agentctl export`` on moto: a day of one tenant or of every tenant to the bucket, as the function
would write it; a second run writes nothing; wrong input is one line and exit 2."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest

from agent_core import AuditEntry, Runtime, Tenant
from tests.agentctl.conftest import Agentctl, one_error_line
from tests.conftest import RuntimeFactory

BUCKET = "agentctl-audit"
DAY = "2026-11-28"


@pytest.fixture
def seeded(make_runtime: RuntimeFactory) -> Runtime:
    runtime = make_runtime()
    for tenant_id, count in (("acme", 4), ("globex", 2), ("initech", 0)):
        runtime.tenants.put(Tenant(tenant_id=tenant_id, name=tenant_id.title()))
        for n in range(count):
            runtime.audit.record(
                tenant_id,
                AuditEntry(
                    call_id=f"toolu_{n}",
                    tool="tenant_info",
                    input={},
                    ok=True,
                    started_at=f"{DAY}T08:00:0{n}.000Z",
                    run_id=f"run_{n}",
                    session_id="ses_1",
                    agent_id="general",
                    caller_id=f"{tenant_id}-user",
                ),
            )
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    return runtime


def keys_in_bucket() -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=BUCKET)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_export_of_one_tenant_writes_its_day_under_its_prefix_only(ctl: Agentctl, seeded: Runtime) -> None:
    result = ctl("export", "--tenant", "acme", "--date", DAY, "--bucket", BUCKET, "--json")

    assert result.code == 0, result.err
    assert result.data == {
        "date": DAY,
        "bucket": BUCKET,
        "tenants": [
            {
                "tenant": "acme",
                "date": DAY,
                "entries": 4,
                "parts": 1,
                "parts_written": 1,
                "bytes": result.data["tenants"][0]["bytes"],
                "skipped": False,
            }
        ],
    }
    assert keys_in_bucket() == [
        f"audit-manifests/tenant=acme/date={DAY}/manifest.json",
        f"audit/tenant=acme/date={DAY}/part-00000.jsonl.gz",
    ]
    body = (
        boto3.client("s3", region_name="us-east-1")
        .get_object(Bucket=BUCKET, Key=f"audit/tenant=acme/date={DAY}/part-00000.jsonl.gz")["Body"]
        .read()
    )
    assert len(body) == result.data["tenants"][0]["bytes"]
    assert {json.loads(line)["caller_id"] for line in gzip.decompress(body).decode().splitlines()} == {
        "acme-user"
    }


def test_export_without_a_tenant_exports_every_tenant_and_again_writes_nothing(
    ctl: Agentctl, seeded: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDIT_BUCKET", BUCKET)  # the bucket from the environment this time

    first = ctl("export", "--date", DAY)
    again = ctl("export", "--date", DAY, "--json")

    assert first.code == 0, first.err
    lines = first.out.splitlines()
    assert lines[0] == f"Audit entries of {DAY}:"
    assert lines[1].split() == ["TENANT", "ENTRIES", "PARTS", "WRITTEN", "BYTES", "WHERE"]
    assert [line.split()[:4] for line in lines[2:]] == [
        ["acme", "4", "1", "1"],
        ["globex", "2", "1", "1"],
        ["initech", "0", "0", "0"],
    ]
    assert lines[2].split()[-1] == f"s3://{BUCKET}/audit/tenant=acme/date={DAY}/"
    assert lines[4].endswith("no entries")
    assert [t["parts_written"] for t in again.data["tenants"]] == [0, 0, 0]
    assert len(keys_in_bucket()) == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--date", "28.11.2026"), "--date: date must be a day as yyyy-mm-dd"),
        (("--tenant", "../acme"), "tenant_id must be"),
        (("--tenant", "nobody"), "no tenant nobody"),
    ],
)
def test_a_wrong_date_or_tenant_is_one_line(
    ctl: Agentctl, seeded: Runtime, argv: tuple[str, ...], message: str
) -> None:
    result = ctl("export", *argv, "--bucket", BUCKET)

    assert message in one_error_line(result, 2 if "nobody" not in argv else 1)
    assert keys_in_bucket() == []


def test_export_without_a_bucket_says_where_to_find_one(ctl: Agentctl, seeded: Runtime) -> None:
    result = ctl("export", "--date", DAY)

    assert "no audit bucket: pass --bucket NAME" in one_error_line(result, 2)
