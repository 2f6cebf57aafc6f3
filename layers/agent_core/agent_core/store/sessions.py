"""Session memory: a tenant's conversation, one item per message, guarded by a turn counter.

A turn begins with one transaction (the user's message, the session's turn counter and lease, the
run record) and ends with another (the turn's other messages, the final run record, the lease
released), so two turns of one session cannot interleave and the user's message is durable
before the model is asked anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from agent_core import keys
from agent_core.clock import epoch_after, iso
from agent_core.errors import SessionBusy
from agent_core.llm.types import Message, TextBlock, ToolResultBlock
from agent_core.store.records import RunRecord, SessionMeta
from agent_core.store.runs import RunStore
from agent_core.store.table import Table, encode, is_condition_failure

LEASE_MARGIN_SECONDS = 30
MAX_MESSAGE_BYTES = 350_000
MAX_TRANSACTION_BYTES = 3_500_000
MAX_TRANSACTION_ACTIONS = 100


@dataclass(frozen=True)
class SessionHistory:
    """What a new turn needs of its session: its counter and lease, and its recent turns (each a
    tuple of messages as stored, oldest first)."""

    meta: SessionMeta | None
    turns: tuple[tuple[Message, ...], ...]

    @property
    def next_turn(self) -> int:
        """The number of the turn about to begin: the only place it is computed."""
        return self.meta.turn + 1 if self.meta else 1

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(message for turn in self.turns for message in turn)


class SessionStore:
    """Sessions and the turns that write them (each turn's run record goes in the same writes)."""

    def __init__(self, table: Table, runs: RunStore, *, retention_days: int, max_messages: int) -> None:
        self.table = table
        self.runs = runs
        self.retention_days = retention_days
        self.max_messages = max_messages

    def load(self, tenant_id: str, session_id: str, now: datetime) -> SessionHistory:
        """The session's counter and its latest messages (whole turns only), in one Query."""
        pk = keys.session_pk(tenant_id, session_id)
        items, more = self.table.query(
            include_expired=True,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=encode({":pk": pk}),
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=self.max_messages + 1,
        )
        meta_item = next((item for item in items if item["SK"] == keys.SESSION_META_SK), None)
        if meta_item is None and more is not None:
            meta_item = self.table.get(pk, keys.SESSION_META_SK, consistent=True, include_expired=True)
        epoch = int(now.timestamp())
        rows = [
            item
            for item in reversed(items)
            if item["SK"].startswith(keys.MESSAGE_PREFIX) and item.get("expires_at", epoch + 1) > epoch
        ]
        while rows and keys.message_position(rows[0]["SK"])[1] != 0:
            rows.pop(0)  # never open a history halfway through a turn
        turns: dict[int, list[Message]] = {}
        for row in rows:
            turns.setdefault(keys.message_position(row["SK"])[0], []).append(
                Message.model_validate_json(row["data"])
            )
        return SessionHistory(
            meta=_meta(meta_item) if meta_item else None,
            turns=tuple(tuple(messages) for messages in turns.values()),
        )

    def begin_turn(self, run: RunRecord, user_message: Message, *, previous: SessionMeta | None) -> None:
        """Make the user's message durable, take the session's lease and record the run's start.

        Raises :class:`SessionBusy` if another turn holds the lease or began since ``previous``.
        """
        now = _parsed(run.started_at)
        pk = keys.session_pk(run.tenant_id, run.session_id)
        if previous is None:
            condition = "attribute_not_exists(PK)"
            values: dict[str, Any] = {}
        else:
            condition = "#turn = :expected AND (attribute_not_exists(active_run) OR lease_until < :epoch)"
            values = {":expected": previous.turn, ":epoch": int(now.timestamp())}
        meta = {
            "Update": {
                "Key": encode({"PK": pk, "SK": keys.SESSION_META_SK}),
                "UpdateExpression": (
                    "SET #turn = :turn, active_run = :run, lease_until = :lease, expires_at = :exp,"
                    " updated_at = :now, agent_id = :agent, session_id = :sid,"
                    " created_at = if_not_exists(created_at, :now)"
                ),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#turn": "turn"},
                "ExpressionAttributeValues": encode(
                    {
                        ":turn": run.turn,
                        ":run": run.run_id,
                        ":lease": int(_parsed(run.deadline_at).timestamp()) + LEASE_MARGIN_SECONDS,
                        ":exp": epoch_after(now, self.retention_days),
                        ":now": run.started_at,
                        ":agent": run.agent_id,
                        ":sid": run.session_id,
                        **values,
                    }
                ),
            }
        }
        message = {
            "Put": {
                "Item": encode(self._message_item(pk, run.turn, 0, user_message, now)),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }
        try:
            self.table.transact([meta, message, {"Put": {"Item": encode(self.runs.item(run, now))}}])
        except ClientError as exc:
            if is_condition_failure(exc):
                raise SessionBusy(
                    "another turn of this session is in progress; retry when it has finished"
                ) from exc
            raise

    def end_turn(self, run: RunRecord, messages: Sequence[Message]) -> None:
        """Store the turn's messages (after the user's) and its final run record, and release the lease."""
        now = _parsed(run.finished_at or run.started_at)
        pk = keys.session_pk(run.tenant_id, run.session_id)
        puts = [
            {"Put": {"Item": encode(self._message_item(pk, run.turn, index, message, now))}}
            for index, message in enumerate(messages, start=1)
        ]
        release = {
            "Update": {
                "Key": encode({"PK": pk, "SK": keys.SESSION_META_SK}),
                "UpdateExpression": "REMOVE active_run, lease_until SET updated_at = :now",
                "ConditionExpression": "active_run = :run",
                "ExpressionAttributeValues": encode({":now": iso(now), ":run": run.run_id}),
            }
        }
        *earlier, last = _batches([*puts, {"Put": {"Item": encode(self.runs.item(run, now))}}])
        for batch in earlier:
            self.table.transact(batch)
        try:
            self.table.transact([*last, release])
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            # The lease ran out and another turn holds the session now: keep this turn's record.
            self.table.transact(last)

    def _message_item(
        self, pk: str, turn: int, index: int, message: Message, now: datetime
    ) -> dict[str, Any]:
        return {
            "PK": pk,
            "SK": keys.message_sk(turn, index),
            "role": message.role,
            "expires_at": epoch_after(now, self.retention_days),
            "created_at": iso(now),
            "data": _fitted(message).model_dump_json(),
        }


def _meta(item: dict[str, Any]) -> SessionMeta:
    return SessionMeta.model_validate(item)


def _parsed(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def _fitted(message: Message) -> Message:
    """The message, its tool results shortened if it would not fit in one item."""
    size = len(message.model_dump_json())
    if size <= MAX_MESSAGE_BYTES:
        return message
    results = [block for block in message.content if isinstance(block, ToolResultBlock)]
    budget = max(
        1000, (MAX_MESSAGE_BYTES - (size - sum(len(b.content) for b in results))) // max(1, len(results))
    )
    content = tuple(
        block.model_copy(update={"content": block.content[:budget] + " …[truncated in memory]"})
        if isinstance(block, ToolResultBlock) and len(block.content) > budget
        else TextBlock(text=block.text[: MAX_MESSAGE_BYTES // 2])
        if isinstance(block, TextBlock) and len(block.text) > MAX_MESSAGE_BYTES // 2
        else block
        for block in message.content
    )
    return message.model_copy(update={"content": content})


def _batches(actions: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split writes into transactions under DynamoDB's size and count limits (one spare action)."""
    batches: list[list[dict[str, Any]]] = [[]]
    size = 0
    for action in actions:
        action_size = len(str(action))
        if batches[-1] and (
            size + action_size > MAX_TRANSACTION_BYTES or len(batches[-1]) >= MAX_TRANSACTION_ACTIONS - 1
        ):
            batches.append([])
            size = 0
        batches[-1].append(action)
        size += action_size
    return batches
