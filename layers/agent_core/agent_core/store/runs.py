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
from agent_core.store.run_filter import RunFilter
from agent_core.store.table import Item, Table, encode, encode_cursor, page_query

# A run's lease ends this long after its deadline; a run still "running" then has lost its process.
LEASE_SECONDS_AFTER_DEADLINE = 5
MAX_STORED_STEPS = 100
MAX_STEP_INPUT_CHARS = 2_000
_DETAIL_FIELDS = {"reply", "steps", "steps_omitted"}
# A listing that leaves runs out (another caller's, another agent's…) reads at most this many
# index pages of 100 for one page of its own; then it answers with what it found and a cursor.
MAX_FILTERED_READS = 10
FILTERED_READ_SIZE = 100
_INDEX_ITEM_KEY = ("GSI1PK", "GSI1SK", "PK", "SK")
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
        """The run, whoever's it is: requests read through :meth:`get_for`."""
        item = self.table.get(keys.run_pk(tenant_id, run_id), keys.RUN_SK, consistent=True)
        return as_of(_record(item), datetime.now(UTC)) if item else None

    def request_cancel(
        self, tenant_id: str, view: RunFilter, run_id: str, now: datetime | None = None
    ) -> RunRecord:
        """Flag the run, while it runs, to stop at its next step; the run as it stands.

        Raises :class:`NotFound` for a run ``view`` does not show (another tenant's, caller's or end
        user's, or none), :class:`RunEnded` for one that is not running (ended, waiting for a
        confirmation, or lost with its process).
        """
        now = now or datetime.now(UTC)
        run = self.get_for(tenant_id, view, run_id)
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

    def get_for(self, tenant_id: str, view: RunFilter, run_id: str) -> RunRecord | None:
        """The run if ``view`` may see it; None for one that is not there and one that is not
        the viewer's alike."""
        run = self.get(tenant_id, run_id)
        return run if run is not None and view.shows(run) else None

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

    def erase_content(self, run: RunRecord) -> None:
        """Rewrite an ended run without what its user and the model said: no reply, no error
        text, and each step's input and output summary gone (the tool, its outcome, timings and
        usage stay: they are the tenant's record of what ran, and what it cost)."""
        steps = tuple(step.model_copy(update={"input": {}, "output_summary": ""}) for step in run.steps)
        awaiting = run.awaiting.model_copy(update={"input": {}}) if run.awaiting else None
        error = run.error.model_copy(update={"message": "[erased]"}) if run.error else None
        erased = run.model_copy(update={"reply": "", "steps": steps, "awaiting": awaiting, "error": error})
        self.table.put(self.final_item(erased))

    def window(
        self, tenant_id: str, view: RunFilter, *, offset: int, limit: int
    ) -> tuple[list[RunRecord], bool]:
        """Runs ``offset`` to ``offset + limit`` of ``view`` (newest first) and whether more follow.

        Offset paging reads the skipped runs too: callers bound ``offset``.
        """
        wanted = offset + limit + 1
        runs: list[RunRecord] = []
        cursor: str | None = None
        while len(runs) < wanted:
            page = self.list(tenant_id, view, limit=min(100, wanted - len(runs)), cursor=cursor)
            runs += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        return runs[offset : offset + limit], len(runs) > offset + limit

    def list(self, tenant_id: str, view: RunFilter, *, limit: int, cursor: str | None) -> Page[RunRecord]:
        """A page of the tenant's ended runs that ``view`` shows, newest first, each whole (summary
        and detail).

        A view that leaves runs out reads on until it has ``limit`` of them or has read
        :data:`MAX_FILTERED_READS` index pages: a page may then hold fewer, and ``next_cursor``
        says whether to go on.
        """
        now = datetime.now(UTC)
        partition = keys.runs_gsi_pk(tenant_id)
        kept: list[tuple[Item, RunRecord]] = []
        next_cursor = cursor
        for _ in range(MAX_FILTERED_READS if view.narrows else 1):
            items, last = page_query(
                self.table,
                tenant_id=tenant_id,
                partition=partition,
                index="GSI1",
                limit=FILTERED_READ_SIZE if view.narrows else limit,
                cursor=next_cursor,
                sort_from=view.since,
                sort_before=view.until,
            )
            next_cursor = last
            for item in items:
                run = as_of(_record(item), now)
                if view.admits(run):
                    kept.append((item, run))
                if len(kept) == limit:
                    if item is not items[-1] or last is not None:  # resume right after this run
                        next_cursor = encode_cursor({name: item[name] for name in _INDEX_ITEM_KEY})
                    break
            if len(kept) == limit or next_cursor is None:
                break
        details = self.table.batch_get(
            [(item["PK"], item["SK"]) for item, _ in kept], attributes=("PK", "detail")
        )
        return Page(
            items=[as_of(_record(item | details.get(item["PK"], {})), now) for item, _ in kept],
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
