"""The audit export of a seeded day on moto: each tenant's entries, only under its own prefix, the
same bytes on every run, resumable after a cut, with a manifest that matches what was written."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

import boto3
import pytest

from agent_core import keys
from agent_core.audit_export import FORMAT_VERSION, ExportRequest
from tests.agent_core.audit_export.conftest import (
    DAY,
    ENTRIES_ON_DAY,
    PART_SIZE,
    QUIET_TENANT,
    Seeded,
    exporter,
    lines,
    objects,
)
from tests.support.emf import emf_metrics
from tests.support.log_lines import captured_log_lines, lines_saying


class CutOff(Exception):
    """The fault injected into the export's S3 client."""


def test_each_tenants_day_is_exported_whole_and_only_under_its_own_prefix(
    seeded: Seeded, bucket: str
) -> None:
    done = exporter(seeded.runtime).run(ExportRequest(day=DAY))

    assert [(d.tenant_id, d.entries, d.skipped) for d in done] == [
        ("acme", 1600, False),
        ("globex", 900, False),
        ("initech", 7, False),
        (QUIET_TENANT, 0, True),
    ]
    stored = objects(bucket, keys.AUDIT_EXPORT_PREFIX)
    listed: set[str] = set()
    for tenant_id, expected in seeded.expected.items():
        folder = f"audit/tenant={tenant_id}/date={DAY}/"
        parts = sorted(key for key in stored if key.startswith(folder))
        listed.update(parts)
        assert parts == [f"{folder}part-{n:05d}.jsonl.gz" for n in range(-(-len(expected) // PART_SIZE))]
        exported = [line for key in parts for line in lines(stored[key])]
        assert exported == expected  # every entry of the day, in order, as the table holds it
        assert {line["caller_id"] for line in exported} == {f"{tenant_id}-user"}  # no other tenant's
        assert all(line["created_at"].startswith(DAY) for line in exported)
    # Nothing else: no other day, no folder for the quiet tenant.
    assert set(stored) == listed
    assert not [key for key in stored if QUIET_TENANT in key]


def test_a_line_is_sorted_compact_json(seeded: Seeded, bucket: str) -> None:
    exporter(seeded.runtime).export_day("initech", DAY)

    raw = gzip.decompress(
        objects(bucket, keys.audit_export_folder("initech", DAY))[keys.audit_export_part("initech", DAY, 0)]
    )
    first = raw.decode().splitlines()[0]
    assert first == json.dumps(json.loads(first), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "crème brûlée ✓" in first


def test_running_it_twice_writes_byte_identical_objects_and_no_part_again(
    seeded: Seeded, bucket: str
) -> None:
    first = exporter(seeded.runtime).run(ExportRequest(day=DAY))
    before = objects(bucket)

    again = exporter(seeded.runtime).run(ExportRequest(day=DAY))

    assert objects(bucket) == before
    assert [d.written for d in first] == [6, 3, 1, 0]
    assert [d.written for d in again] == [0, 0, 0, 0]
    assert [d.manifest() for d in again] == [d.manifest() for d in first]


def test_an_export_cut_off_after_some_parts_resumes_and_completes(seeded: Seeded, bucket: str) -> None:
    # Given: an export whose S3 client fails on its fourth PutObject (after three parts)
    cut = exporter(seeded.runtime)
    puts: list[str] = []

    def fail_on_fourth(params: dict[str, Any], **_: Any) -> None:
        puts.append(params["Key"])
        if len(puts) == 4:
            raise CutOff(params["Key"])

    cut.s3.meta.events.register("provide-client-params.s3.PutObject", fail_on_fourth)
    with pytest.raises(CutOff):
        cut.run(ExportRequest(day=DAY, tenant_id="acme"))
    assert len(objects(bucket)) == 3
    assert not objects(bucket, keys.AUDIT_MANIFEST_PREFIX)  # no manifest: the day is not done

    # When: it runs again
    [resumed] = exporter(seeded.runtime).run(ExportRequest(day=DAY, tenant_id="acme"))

    # Then: it wrote only what was missing, and the result is the export that was never cut
    assert resumed.written == 3  # of 6: the three before the cut were there
    cut_then_resumed = objects(bucket)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="uninterrupted")
    exporter(seeded.runtime, bucket="uninterrupted").run(ExportRequest(day=DAY, tenant_id="acme"))
    assert cut_then_resumed == objects("uninterrupted")
    assert [
        line
        for key in sorted(cut_then_resumed)
        if key.endswith(".gz")
        for line in lines(cut_then_resumed[key])
    ] == seeded.expected["acme"]


def test_a_part_changed_in_s3_is_written_again(seeded: Seeded, bucket: str) -> None:
    exporter(seeded.runtime).export_day("globex", DAY)
    damaged = keys.audit_export_part("globex", DAY, 1)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key=damaged, Body=b"truncated")

    again = exporter(seeded.runtime).export_day("globex", DAY)

    assert again.written == 1
    assert lines(objects(bucket, damaged)[damaged]) == seeded.expected["globex"][PART_SIZE : 2 * PART_SIZE]


def test_the_manifest_counts_and_hashes_match_the_objects(seeded: Seeded, bucket: str) -> None:
    exporter(seeded.runtime).run(ExportRequest(day=DAY))
    stored = objects(bucket)

    for tenant_id, expected in seeded.expected.items():
        manifest = json.loads(stored[keys.audit_export_manifest(tenant_id, DAY)])
        assert manifest["format_version"] == FORMAT_VERSION
        assert (manifest["tenant"], manifest["date"]) == (tenant_id, DAY)
        assert manifest["entries"] == len(expected) == sum(p["entries"] for p in manifest["parts"])
        assert manifest["first_created_at"] == expected[0]["created_at"]
        assert manifest["last_created_at"] == expected[-1]["created_at"]
        for part in manifest["parts"]:
            body = stored[part["key"]]
            assert part["sha256"] == hashlib.sha256(body).hexdigest()
            assert part["bytes"] == len(body)
            assert part["entries"] == len(lines(body)) <= PART_SIZE
        assert manifest["bytes"] == sum(len(stored[p["key"]]) for p in manifest["parts"])
        assert keys.audit_export_manifest(tenant_id, DAY) == (
            f"audit-manifests/tenant={tenant_id}/date={DAY}/manifest.json"
        )


def test_a_tenant_with_no_entries_that_day_gets_nothing_written(seeded: Seeded, bucket: str) -> None:
    [quiet] = exporter(seeded.runtime).run(ExportRequest(day=DAY, tenant_id=QUIET_TENANT))

    assert quiet.skipped and quiet.summary()["parts"] == 0
    assert objects(bucket) == {}


def test_pages_of_the_day_are_read_one_at_a_time(seeded: Seeded, bucket: str) -> None:
    pages = list(seeded.runtime.audit.day("acme", DAY, page_size=1000))

    assert pages == seeded.expected["acme"]
    assert len(pages) == ENTRIES_ON_DAY["acme"]


# --- what a run covers ------------------------------------------------------------------------


def test_without_a_date_the_run_exports_the_utc_day_before() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    assert ExportRequest.of(day=None, tenant_id=None, now=datetime(2026, 11, 29, 0, 5, tzinfo=UTC)).day == (
        "2026-11-28"
    )
    # 23:30 in New York on the 28th is 04:30 UTC on the 29th.
    late = datetime(2026, 11, 28, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert ExportRequest.of(day=None, tenant_id=None, now=late).day == "2026-11-28"


@pytest.mark.parametrize(
    "event",
    [
        {"date": "2026-2-3"},
        {"date": "yesterday"},
        {"date": 20261128},
        {"tenant": "../globex"},
        {"tenant": "acme/x"},
    ],
)
def test_a_bad_date_or_tenant_is_refused(event: dict[str, Any]) -> None:
    from agent_core import AgentRuntimeError

    with pytest.raises(AgentRuntimeError):
        ExportRequest.from_event(event)


@pytest.mark.parametrize("tenant_id", ["../acme", "acme/date=x", "", "a" * 65])
def test_an_export_key_cannot_leave_its_tenants_folder(tenant_id: str) -> None:
    from agent_core import InvalidId

    with pytest.raises(InvalidId):
        keys.audit_export_part(tenant_id, DAY, 0)
    with pytest.raises(InvalidId):
        keys.audit_export_manifest(tenant_id, DAY)


def test_each_tenant_exported_gets_one_log_line_and_its_metrics(
    seeded: Seeded, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with captured_log_lines() as logged:
        done = exporter(seeded.runtime).run(ExportRequest(day=DAY))
    printed = capsys.readouterr().out

    said = lines_saying(logged, "audit export")
    assert [(line["tenant_id"], line["entries"], line["parts"], line["skipped"]) for line in said] == [
        ("acme", 1600, 6, False),
        ("globex", 900, 3, False),
        ("initech", 7, 1, False),
        (QUIET_TENANT, 0, 0, True),
    ]
    assert [line["bytes"] for line in said] == [d.bytes for d in done]
    documents = emf_metrics(printed, metric="AuditExportEntries")
    assert [
        (d["tenant_id"], d["AuditExportEntries"], d["AuditExportParts"], d["AuditExportBytes"])
        for d in documents
    ] == [(d.tenant_id, [d.entries], [len(d.parts)], [d.bytes]) for d in done if not d.skipped]
    for document in documents:
        (metrics,) = document["_aws"]["CloudWatchMetrics"]
        assert metrics["Namespace"] == "AgentRuntime"
        assert metrics["Dimensions"] == [["service"]]  # the tenant is metadata, not a billed dimension


def test_the_tenant_list_the_export_walks_reads_every_page_of_the_index(seeded: Seeded, bucket: str) -> None:
    listed = [t.tenant_id for t in seeded.runtime.tenants.list(page_size=1)]

    assert sorted(listed) == sorted([*ENTRIES_ON_DAY, QUIET_TENANT])  # one tenant a page: all read
