"""Run records: one per agent execution, listed per tenant newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agent_core import keys
from agent_core.clock import epoch_after
from agent_core.store.page import Page
from agent_core.store.records import RunRecord
from agent_core.store.table import Table, page_query


class RunStore:
    def __init__(self, table: Table, *, retention_days: int) -> None:
        self.table = table
        self.retention_days = retention_days

    def item(self, record: RunRecord, now: datetime) -> dict[str, Any]:
        """The table item for ``record``; written by the session store, inside a turn's transaction."""
        return {
            "PK": keys.run_pk(record.tenant_id, record.run_id),
            "SK": keys.RUN_SK,
            "GSI1PK": keys.runs_gsi_pk(record.tenant_id),
            "GSI1SK": keys.runs_gsi_sk(record.started_at, record.run_id),
            "status": record.status,
            "expires_at": epoch_after(now, self.retention_days),
            "data": record.model_dump_json(),
        }

    def get(self, tenant_id: str, run_id: str) -> RunRecord | None:
        item = self.table.get(keys.run_pk(tenant_id, run_id), keys.RUN_SK, consistent=True)
        return RunRecord.model_validate_json(item["data"]) if item else None

    def window(self, tenant_id: str, *, offset: int, limit: int) -> tuple[list[RunRecord], bool]:
        """Runs ``offset`` to ``offset + limit`` (newest first) and whether more follow.

        Offset paging reads the skipped runs too: callers bound ``offset``.
        """
        wanted = offset + limit + 1
        runs: list[RunRecord] = []
        cursor: str | None = None
        while len(runs) < wanted:
            page = self.list(tenant_id, limit=min(100, wanted - len(runs)), cursor=cursor)
            runs += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        return runs[offset : offset + limit], len(runs) > offset + limit

    def list(self, tenant_id: str, *, limit: int, cursor: str | None) -> Page[RunRecord]:
        items, next_cursor = page_query(
            self.table,
            tenant_id=tenant_id,
            partition=keys.runs_gsi_pk(tenant_id),
            index="GSI1",
            limit=limit,
            cursor=cursor,
        )
        return Page(
            items=[RunRecord.model_validate_json(item["data"]) for item in items],
            next_cursor=next_cursor,
        )
