"""Session memory: a tenant's conversation, one item per turn, guarded by a turn counter.

A turn begins with one transaction: the session's turn counter moves on, and the run's start item
(with its lease and the user's message) is written, on condition that the previous run of the
session has ended or its lease has run out. It ends with another: the turn's messages (one item,
or a few for a huge turn) and the run's final record. Two turns of one session cannot interleave,
the user's message is durable before the model's first token is forwarded, and a turn whose
process died leaves its message with its run, where the next turn finds it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from agent_core import keys
from agent_core.clock import epoch_after, iso
from agent_core.errors import ConfirmationClosed, IdempotencyKeyInUse, NotFound, SessionBusy
from agent_core.llm.types import Message, TextBlock, ToolResultBlock
from agent_core.store.confirmations import Confirmation, ConfirmationStore
from agent_core.store.confirmations import Decision as ConfirmDecision
from agent_core.store.idempotency import IdempotencyKey, IdempotencyStore
from agent_core.store.packing import pack, unpack
from agent_core.store.records import RunRecord, SessionMeta
from agent_core.store.runs import LEASE_SECONDS_AFTER_DEADLINE, LOST, RunStore, Unfinished
from agent_core.store.table import Table, condition_failed_at, encode, is_condition_failure
from agent_core.tenancy import Owner

BUSY = "another turn of this session is in progress; retry when it has finished"
CLOSED = "this confirmation was already given, has expired, or the conversation has moved on"
KEY_IN_USE = "a request with this Idempotency-Key is still running; retry when it has finished"
MAX_MESSAGE_BYTES = 350_000
MAX_TRANSACTION_BYTES = 3_500_000
MAX_TRANSACTION_ACTIONS = 100
TITLE_CHARS = 80  # a session's title: the start of its first user message


@dataclass(frozen=True)
class SessionHistory:
    """What a new turn needs of its session: its counter, its recent turns (each a tuple of
    messages as stored, oldest first), and a turn left unfinished, if any."""

    meta: SessionMeta | None
    turns: tuple[tuple[Message, ...], ...]
    unfinished: Unfinished | None = None  # the last turn, if its end was never stored

    @classmethod
    def new(cls) -> SessionHistory:
        """A session that does not exist yet: nothing to read."""
        return cls(meta=None, turns=())

    @property
    def next_turn(self) -> int:
        """The number of the turn about to begin: the only place it is computed."""
        return self.meta.turn + 1 if self.meta else 1

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(message for turn in self.turns for message in turn)


def no_session(session_id: str) -> NotFound:
    """The one answer for a session that is not the caller's: absent, another tenant's, another
    caller's or another end user's all read the same."""
    return NotFound(f"there is no session {session_id!r}", code="session_not_found")


class SessionStore:
    """Sessions and the turns that write them (each turn's run record goes in the same writes)."""

    def __init__(self, table: Table, runs: RunStore, *, retention_days: int, max_messages: int) -> None:
        self.table = table
        self.runs = runs
        self.confirmations = ConfirmationStore(table, retention_days=retention_days)
        self.idempotency = IdempotencyStore(table)
        self.retention_days = retention_days
        self.max_messages = max_messages

    def load_for(self, tenant_id: str, owner: Owner, session_id: str, now: datetime) -> SessionHistory:
        """The session as :meth:`load` reads it, if it is ``owner``'s or does not exist yet (then
        it is empty); :class:`NotFound` if it is anyone else's.

        The owner is on the session's meta, which the history Query reads anyway: no extra call.
        A session stored before owners were kept is its last run's caller's (one more read, once:
        its next turn stores the owner on its meta).
        """
        history = self.load(tenant_id, session_id, now)
        if history.meta is not None and self.owner_of(tenant_id, history.meta) != owner:
            raise no_session(session_id)
        return history

    def owner_of(self, tenant_id: str, meta: SessionMeta) -> Owner | None:
        """Whose the session is: its meta says so, or (stored before owners were kept) its last
        run's caller; None if that run is gone too (then nobody may open it)."""
        if meta.caller_id is not None:
            return Owner(caller_id=meta.caller_id, end_user_id=meta.end_user_id)
        last = self.runs.get(tenant_id, meta.active_run) if meta.active_run else None
        return Owner(caller_id=last.caller_id, end_user_id=last.end_user_id) if last else None

    def load(self, tenant_id: str, session_id: str, now: datetime) -> SessionHistory:
        """The session's counter and its latest whole turns, in one Query (plus one read of the
        last run when it never ended), whoever owns it: requests go through :meth:`load_for`."""
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
        meta = _meta(meta_item) if meta_item else None
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
            turns.setdefault(keys.message_position(row["SK"])[0], []).extend(_messages_of(row))
        unfinished = None
        if meta is not None and meta.active_run and not _ended(meta, rows):
            unfinished = self.runs.unfinished(tenant_id, meta.active_run)
            if unfinished is not None and unfinished.user_message is not None:
                turns[meta.turn] = [unfinished.user_message]
        return SessionHistory(
            meta=meta, turns=_recent(list(turns.values()), self.max_messages), unfinished=unfinished
        )

    def begin_turn(
        self,
        run: RunRecord,
        user_message: Message,
        *,
        previous: SessionHistory,
        idempotency: IdempotencyKey | None = None,
    ) -> None:
        """Move the session's counter on and write the run's start with its lease and the user's
        message, in one transaction (with the claim of the request's ``idempotency`` key, if any).

        Raises :class:`SessionBusy` if the previous run still holds its lease, or another turn
        began since ``previous`` was read; :class:`IdempotencyKeyInUse` if another request holds the key. A
        turn left unfinished is stored as it stands, and its run as failed, in the same transaction.
        """
        now = _time(run.started_at)
        pk = keys.session_pk(run.tenant_id, run.session_id)
        meta = previous.meta
        owner_set, owner_condition, owner_values = _owner_terms(run, meta)
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "Key": encode({"PK": pk, "SK": keys.SESSION_META_SK}),
                    "UpdateExpression": (
                        "SET #turn = :turn, active_run = :run, expires_at = :exp, updated_at = :now,"
                        " agent_id = :agent, session_id = :sid, created_at = if_not_exists(created_at, :now),"
                        f" title = if_not_exists(title, :title), GSI1PK = :gpk, GSI1SK = :gsk{owner_set}"
                        " REMOVE lease_until, awaiting, resumed_part"
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)"
                    if meta is None
                    else f"#turn = :expected AND {owner_condition}",
                    "ExpressionAttributeNames": {"#turn": "turn"},
                    "ExpressionAttributeValues": encode(
                        {
                            ":turn": run.turn,
                            ":run": run.run_id,
                            ":exp": epoch_after(now, self.retention_days),
                            ":now": run.started_at,
                            ":agent": run.agent_id,
                            ":sid": run.session_id,
                            ":title": user_message.text[:TITLE_CHARS],
                            ":gpk": keys.owner_sessions_gsi_pk(run.tenant_id, run.caller_id, run.end_user_id),
                            ":gsk": keys.owner_sessions_gsi_sk(run.started_at, run.session_id),
                        }
                        | owner_values
                        | ({":expected": meta.turn} if meta is not None else {})
                    ),
                }
            },
            {
                "Put": {
                    "Item": encode(self.runs.start_item(run, user_message, _lease(run))),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        epoch = int(now.timestamp())
        if previous.unfinished is not None:
            actions += self._close(previous.unfinished, pk, now, epoch)
        elif meta is not None and meta.active_run:
            actions.append(
                {
                    "ConditionCheck": {
                        "Key": encode({"PK": keys.run_pk(run.tenant_id, meta.active_run), "SK": keys.RUN_SK}),
                        **_previous_run_ended(epoch),
                    }
                }
            )
        if idempotency is not None:
            actions.append(self.idempotency.claim(run, idempotency, now))
        try:
            self.table.transact(actions)
        except ClientError as exc:
            if idempotency is not None and condition_failed_at(exc, len(actions) - 1):
                raise IdempotencyKeyInUse(KEY_IN_USE) from exc
            if is_condition_failure(exc):
                raise SessionBusy(BUSY) from exc
            raise

    def end_turn(
        self,
        run: RunRecord,
        messages: Sequence[Message],
        *,
        first_part: int = 0,
        confirmation: Confirmation | None = None,
        events: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Store the turn's messages (the user's first) and its final run record, together (with
        the run's stream events not stored yet: ``events``, chunk items).

        A turn too big for one transaction stores its first messages in transactions of their
        own; the last one holds the run's final record, which releases the session. A run that
        pauses for ``confirmation`` stores it in that last transaction too, and marks the session
        as waiting on it. A resumed run's messages go after the parts stored when it paused
        (``first_part``).
        """
        now = _time(run.finished_at or run.started_at)
        pk = keys.session_pk(run.tenant_id, run.session_id)
        items = self._message_items(pk, run.turn, messages, now, first=first_part)
        tail = [
            {"Put": {"Item": encode(self.runs.final_item(run))}},
            *({"Put": {"Item": encode(chunk)}} for chunk in events),
        ]
        if confirmation is not None:
            confirmation = confirmation.model_copy(update={"resume_part": first_part + len(items)})
            tail += self._awaiting(pk, confirmation, now)
        *earlier, last = _batches([{"Put": {"Item": encode(item)}} for item in items]) if items else [[]]
        if not _fits([*last, *tail]):
            earlier.append(last)
            last = []
        for batch in earlier:
            if batch:
                self.table.transact(batch)
        self.table.transact([*last, *tail])

    def resume_turn(
        self, confirmation: Confirmation, run: RunRecord, decision: ConfirmDecision, *, by: str, now: datetime
    ) -> None:
        """Decide ``confirmation`` and reopen its run (``run``, running again with a new deadline),
        in one transaction: only once, before it expires, and only while its run is still the
        session's last and still waiting (a newer turn has rejected it)."""
        pk = keys.session_pk(run.tenant_id, run.session_id)
        actions = [
            ConfirmationStore.decide_action(
                confirmation, decision, by=by, at=iso(now), within=int(now.timestamp())
            ),
            {
                "Update": {
                    "Key": encode({"PK": pk, "SK": keys.SESSION_META_SK}),
                    "UpdateExpression": "SET resumed_part = :part, updated_at = :now REMOVE awaiting",
                    "ConditionExpression": "#turn = :turn AND active_run = :run AND awaiting = :call",
                    "ExpressionAttributeNames": {"#turn": "turn"},
                    "ExpressionAttributeValues": encode(
                        {
                            ":part": confirmation.resume_part,
                            ":now": iso(now),
                            ":turn": run.turn,
                            ":run": run.run_id,
                            ":call": confirmation.call_id,
                        }
                    ),
                }
            },
            {
                "Put": {
                    "Item": encode(self.runs.start_item(run, None, _lease(run))),
                    **_still_awaiting(),
                }
            },
        ]
        try:
            self.table.transact(actions)
        except ClientError as exc:
            if is_condition_failure(exc):
                raise ConfirmationClosed(CLOSED) from exc
            raise

    def settle(
        self, confirmation: Confirmation, run: RunRecord, decision: ConfirmDecision, *, now: datetime
    ) -> bool:
        """Close a confirmation nobody can give any more (it expired, or a newer turn began) and
        store its run as ended (``run``); False if it was decided or settled already."""
        actions = [
            ConfirmationStore.decide_action(confirmation, decision, by="system", at=iso(now)),
            {"Put": {"Item": encode(self.runs.final_item(run)), **_still_awaiting()}},
        ]
        try:
            self.table.transact(actions)
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _awaiting(self, pk: str, confirmation: Confirmation, now: datetime) -> list[dict[str, Any]]:
        """The writes that park a run on ``confirmation``: the pending call, and the session's mark."""
        expires_at = epoch_after(now, self.retention_days)
        return [
            {"Put": {"Item": encode(self.confirmations.item(confirmation, expires_at=expires_at))}},
            {
                "Update": {
                    "Key": encode({"PK": pk, "SK": keys.SESSION_META_SK}),
                    "UpdateExpression": "SET awaiting = :call",
                    "ExpressionAttributeValues": encode({":call": confirmation.call_id}),
                }
            },
        ]

    def _close(self, interrupted: Unfinished, pk: str, now: datetime, epoch: int) -> list[dict[str, Any]]:
        """The writes that store an unfinished turn as it stands: its message, and its run as
        failed, on condition that its lease has run out."""
        lost = interrupted.run.model_copy(
            update={
                "status": "failed",
                "stop_reason": "error",
                "error": LOST,
                "finished_at": interrupted.run.deadline_at,
            }
        )
        # A resumed run's turn is stored up to where it paused; a new one only has its message.
        stored = [interrupted.user_message] if interrupted.user_message is not None else []
        items = self._message_items(pk, lost.turn, stored, now)
        run = {"Item": encode(self.runs.final_item(lost)), **_previous_run_ended(epoch)}
        return [*({"Put": {"Item": encode(item)}} for item in items), {"Put": run}]

    def _message_items(
        self, pk: str, turn: int, messages: Sequence[Message], now: datetime, *, first: int = 0
    ) -> list[dict[str, Any]]:
        """A turn's messages as items of at most ~350 KB each (usually one), numbered from ``first``."""
        items: list[dict[str, Any]] = []
        part: list[str] = []
        size = 0
        for message in messages:
            encoded = _fitted(message).model_dump_json()
            if part and size + len(encoded) > MAX_MESSAGE_BYTES:
                items.append(self._message_item(pk, turn, first + len(items), part, now))
                part, size = [], 0
            part.append(encoded)
            size += len(encoded)
        if part:
            items.append(self._message_item(pk, turn, first + len(items), part, now))
        return items

    def _message_item(self, pk: str, turn: int, index: int, part: list[str], now: datetime) -> dict[str, Any]:
        return {
            "PK": pk,
            "SK": keys.message_sk(turn, index),
            "expires_at": epoch_after(now, self.retention_days),
            "messages": pack("[" + ",".join(part) + "]"),
        }


def _owner_terms(run: RunRecord, meta: SessionMeta | None) -> tuple[str, str, dict[str, Any]]:
    """What a turn's first write sets of its session's owner, the condition that the session is
    still the one its caller opened (the owner never changes; one stored before owners were kept
    gets its owner now), and their values."""
    values: dict[str, Any] = {":caller": run.caller_id}
    assign = ", caller_id = :caller"
    if run.end_user_id is not None:
        values[":end_user"] = run.end_user_id
        assign += ", end_user_id = :end_user"
        same_end_user = "end_user_id = :end_user"
    else:
        same_end_user = "attribute_not_exists(end_user_id)"
    if meta is not None and meta.caller_id is None:
        return assign, "attribute_not_exists(caller_id)", values
    return assign, f"caller_id = :caller AND {same_end_user}", values


def _ended(meta: SessionMeta, rows: list[dict[str, Any]]) -> bool:
    """Whether the session's last run has stored its end: its turn's messages (after where it
    paused, for a resumed run) are there."""
    stored = {keys.message_position(row["SK"]) for row in rows}
    if meta.resumed_part is not None:
        return (meta.turn, meta.resumed_part) in stored
    return (meta.turn, 0) in stored


def _still_awaiting() -> dict[str, Any]:
    """The condition on a paused run's item that lets it be resumed or settled, once."""
    return {
        "ConditionExpression": "#status = :awaiting",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": encode({":awaiting": "awaiting_confirmation"}),
    }


def _fits(actions: list[dict[str, Any]]) -> bool:
    return (
        len(actions) < MAX_TRANSACTION_ACTIONS and sum(len(str(a)) for a in actions) <= MAX_TRANSACTION_BYTES
    )


def _meta(item: dict[str, Any]) -> SessionMeta:
    return SessionMeta.model_validate(item)


def _previous_run_ended(epoch: int) -> dict[str, Any]:
    """The condition on a session's last run that lets the next turn begin: it has ended, or its
    lease has run out."""
    return {
        "ConditionExpression": (
            "attribute_not_exists(PK) OR #status <> :running OR attribute_not_exists(lease_until)"
            " OR lease_until < :epoch"
        ),
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": encode({":running": "running", ":epoch": epoch}),
    }


def _time(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def _lease(run: RunRecord) -> int:
    return int(_time(run.deadline_at).timestamp()) + LEASE_SECONDS_AFTER_DEADLINE


def _messages_of(row: dict[str, Any]) -> list[Message]:
    """The messages of one stored item: a turn's part, or (stored before 2026-11-29) one message."""
    if "messages" in row:
        return [Message.model_validate(message) for message in json.loads(unpack(row["messages"]))]
    return [Message.model_validate_json(row["data"])]


def _recent(turns: list[list[Message]], max_messages: int) -> tuple[tuple[Message, ...], ...]:
    """The latest whole turns holding at most ``max_messages`` messages (the newest turn always)."""
    kept: list[tuple[Message, ...]] = []
    count = 0
    for turn in reversed(turns):
        if kept and count + len(turn) > max_messages:
            break
        kept.append(tuple(turn))
        count += len(turn)
    return tuple(reversed(kept))


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
