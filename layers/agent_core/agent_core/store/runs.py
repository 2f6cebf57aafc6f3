"""Run records: one item per agent execution, written when it starts and when it ends.

The start is a small item (the run as it began, its lease, the user's message), written in the
same transaction that begins the turn; the end replaces it with the final record, in the same
transaction that stores the turn's messages. Only the final record is indexed (GSI1, per tenant,
newest first), and the index holds its summary alone: the reply and the steps stay in the table
(``detail``) and a listing fetches them in one batch read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from agent_core import keys
from agent_core.clock import epoch_after
from agent_core.errors import NotFound, RunEnded
from agent_core.llm.types import Message
from agent_core.store.packing import pack, unpack
from agent_core.store.page import Page
from agent_core.store.records import RunError, RunRecord
from agent_core.store.table import Table, encode, page_query

# A run's lease ends this long after its deadline; a run still "running" then has lost its process.
LEASE_SECONDS_AFTER_DEADLINE = 5
MAX_STORED_STEPS = 100
MAX_STEP_INPUT_CHARS = 2_000
_DETAIL_FIELDS = {"reply", "steps", "steps_omitted"}
LOST = RunError(code="run_lost", message="the run stopped without finishing (its process ended)")


@dataclass(frozen=True)
class Unfinished:
    """A run whose end was never stored: its start, the user's message, and its lease."""

    run: RunRecord
    user_message: Message | None  # None for a run resumed after a confirmation: its turn is stored
    lease_until: int

    def holds_lease(self, now: datetime) -> bool:
        return self.lease_until >= int(now.timestamp())


class RunStore:
    def __init__(self, table: Table, *, retention_days: int) -> None:
        self.table = table
        self.retention_days = retention_days

    def start_item(self, run: RunRecord, user_message: Message | None, lease_until: int) -> dict[str, Any]:
        """The item of a run that has just started (written inside the turn's first transaction),
        or resumed after a confirmation (``user_message`` None: its turn is stored already)."""
        item = {
            "PK": keys.run_pk(run.tenant_id, run.run_id),
            "SK": keys.RUN_SK,
            "status": run.status,
            "lease_until": lease_until,
            "expires_at": epoch_after(_time(run.started_at), self.retention_days),
            "data": pack(run.model_dump_json()),
        }
        if user_message is None:
            return item | {"resumed": True}
        return item | {"pending": pack(user_message.model_dump_json())}

    def final_item(self, run: RunRecord) -> dict[str, Any]:
        """The item of a run that has ended (indexed for listings): its summary and its detail."""
        run = bounded(run)
        return {
            "PK": keys.run_pk(run.tenant_id, run.run_id),
            "SK": keys.RUN_SK,
            "GSI1PK": keys.runs_gsi_pk(run.tenant_id),
            "GSI1SK": keys.runs_gsi_sk(run.started_at, run.run_id),
            "status": run.status,
            "expires_at": epoch_after(_time(run.started_at), self.retention_days),
            "data": pack(run.model_dump_json(exclude=_DETAIL_FIELDS)),
            "detail": pack(run.model_dump_json(include=_DETAIL_FIELDS)),
        }

    def get(self, tenant_id: str, run_id: str) -> RunRecord | None:
        item = self.table.get(keys.run_pk(tenant_id, run_id), keys.RUN_SK, consistent=True)
        return as_of(_record(item), datetime.now(UTC)) if item else None

    def request_cancel(self, tenant_id: str, run_id: str, now: datetime | None = None) -> RunRecord:
        """Flag the run, while it runs, to stop at its next step; the run as it stands.

        Raises :class:`NotFound` for a run this tenant does not have, :class:`RunEnded` for one that
        is not running (ended, waiting for a confirmation, or lost with its process).
        """
        now = now or datetime.now(UTC)
        run = self.get(tenant_id, run_id)
        if run is None:
            raise NotFound(f"there is no run {run_id!r}", code="run_not_found")
        if run.status != "running":
            raise RunEnded(f"run {run_id} has ended ({run.status}); there is nothing to cancel")
        try:
            with self.table.translated_errors("cancel a run"):
                self.table.client.update_item(
                    TableName=self.table.name,
                    Key=encode({"PK": keys.run_pk(tenant_id, run_id), "SK": keys.RUN_SK}),
                    UpdateExpression="SET cancel_requested = :now",
                    ConditionExpression="#status = :running AND lease_until >= :epoch",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=encode(
                        {":now": now.isoformat(), ":running": "running", ":epoch": int(now.timestamp())}
                    ),
                )
        except ClientError as exc:
            raise RunEnded(f"run {run_id} has ended; there is nothing to cancel") from exc
        return run

    def cancel_requested(self, tenant_id: str, run_id: str) -> bool:
        """Whether someone asked the run to stop (a read of one attribute, eventually consistent)."""
        with self.table.translated_errors("read a run's cancel flag"):
            response = self.table.client.get_item(
                TableName=self.table.name,
                Key=encode({"PK": keys.run_pk(tenant_id, run_id), "SK": keys.RUN_SK}),
                ProjectionExpression="cancel_requested",
            )
        return "cancel_requested" in response.get("Item", {})

    def unfinished(self, tenant_id: str, run_id: str) -> Unfinished | None:
        """A run that has not ended (still going, or its process died), or None if it ended."""
        item = self.table.get(keys.run_pk(tenant_id, run_id), keys.RUN_SK, consistent=True)
        if not item or not ("pending" in item or item.get("resumed")):
            return None
        return Unfinished(
            run=RunRecord.model_validate_json(unpack(item["data"])),
            user_message=Message.model_validate_json(unpack(item["pending"])) if "pending" in item else None,
            lease_until=int(item.get("lease_until", 0)),
        )

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
        """A page of the tenant's ended runs, newest first, each whole (summary and detail)."""
        items, next_cursor = page_query(
            self.table,
            tenant_id=tenant_id,
            partition=keys.runs_gsi_pk(tenant_id),
            index="GSI1",
            limit=limit,
            cursor=cursor,
        )
        now = datetime.now(UTC)
        details = self.table.batch_get(
            [(item["PK"], item["SK"]) for item in items], attributes=("PK", "detail")
        )
        return Page(
            items=[as_of(_record(item | details.get(item["PK"], {})), now) for item in items],
            next_cursor=next_cursor,
        )


def bounded(run: RunRecord) -> RunRecord:
    """The run as it can be stored in one item: at most 100 steps (the audit trail keeps every
    call), each with its input cut to a readable length."""
    steps = run.steps[-MAX_STORED_STEPS:]
    kept = tuple(
        step
        if len(json.dumps(step.input)) <= MAX_STEP_INPUT_CHARS
        else step.model_copy(update={"input": {"truncated": json.dumps(step.input)[:MAX_STEP_INPUT_CHARS]}})
        for step in steps
    )
    return run.model_copy(
        update={"steps": kept, "steps_omitted": run.steps_omitted + len(run.steps) - len(steps)}
    )


def as_of(run: RunRecord, now: datetime) -> RunRecord:
    """``run`` as it stands at ``now``: one still "running" well past its deadline has failed, and
    one whose confirmation expired has ended without its write."""
    if run.status == "awaiting_confirmation" and run.awaiting and now > _time(run.awaiting.expires_at):
        return run.model_copy(update={"status": "completed", "stop_reason": "confirmation_expired"})
    if run.status != "running" or now < _time(run.deadline_at) + timedelta(
        seconds=LEASE_SECONDS_AFTER_DEADLINE
    ):
        return run
    return run.model_copy(update={"status": "failed", "stop_reason": "error", "error": LOST})


def _record(item: dict[str, Any]) -> RunRecord:
    data = json.loads(unpack(item["data"]))
    if "detail" in item:
        data |= json.loads(unpack(item["detail"]))
    return RunRecord.model_validate(data)


def _time(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)
