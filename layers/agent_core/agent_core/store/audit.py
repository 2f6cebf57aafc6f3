"""Audit entries: one per tool call, by tenant and day, listed per agent newest first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent_core import keys
from agent_core.clock import epoch_after, utc_now
from agent_core.store.page import Page
from agent_core.store.records import AuditEntry
from agent_core.store.table import Table, encode, page_query


class AuditStore:
    def __init__(self, table: Table, *, retention_days: int) -> None:
        self.table = table
        self.retention_days = retention_days

    def record(self, tenant_id: str, entry: AuditEntry) -> None:
        """Write one entry (again, with its outcome, after a live write ran); a failure raises,
        because an unaudited tool call must not go unnoticed."""
        self.table.put(
            {
                "PK": keys.audit_pk(tenant_id, entry.started_at[:10]),
                "SK": keys.audit_sk(entry.started_at, entry.call_id),
                "GSI1PK": keys.agent_audit_gsi_pk(tenant_id, entry.agent_id),
                "GSI1SK": keys.audit_sk(entry.started_at, entry.call_id),
                "expires_at": epoch_after(utc_now(), self.retention_days),
                "data": entry.model_dump_json(),
            }
        )

    def list_for_agent(
        self, tenant_id: str, agent_id: str, *, limit: int, cursor: str | None
    ) -> Page[AuditEntry]:
        items, next_cursor = page_query(
            self.table,
            tenant_id=tenant_id,
            partition=keys.agent_audit_gsi_pk(tenant_id, agent_id),
            index="GSI1",
            limit=limit,
            cursor=cursor,
        )
        return Page(
            items=[AuditEntry.model_validate_json(item["data"]) for item in items],
            next_cursor=next_cursor,
        )

    def day(self, tenant_id: str, day: str, *, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every entry of the tenant's day (UTC), oldest first, as stored (the audit API's JSON
        object), one Query page at a time: a day of any size never sits in memory whole."""
        params: dict[str, Any] = {
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": encode({":pk": keys.audit_pk(tenant_id, day)}),
            "ScanIndexForward": True,
            "Limit": page_size,
        }
        while True:
            items, last = self.table.query(**params)
            for item in items:
                yield json.loads(item["data"])
            if last is None:
                return
            params["ExclusiveStartKey"] = encode(last)
