"""What an owner reads and erases of its sessions: the list of them, one session's messages as a
chat shows them, and the erasure of one session (its runs and the audit trail stay).

Every read here starts from the owner (a caller, or one end user of it): a session that is not
theirs reads as absent. See :meth:`SessionStore.load_for` for the same rule on chat turns.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent_core import keys
from agent_core.errors import SessionBusy
from agent_core.llm.types import Message
from agent_core.redaction import redact
from agent_core.store.packing import unpack
from agent_core.store.page import Page
from agent_core.store.records import SessionMeta
from agent_core.store.sessions import BUSY, SessionStore, no_session
from agent_core.store.table import Item, encode, page_query
from agent_core.tenancy import Owner

_MESSAGES_FROM = keys.MESSAGE_PREFIX
_MESSAGES_BEFORE = keys.MESSAGE_PREFIX[:-1] + chr(ord("#") + 1)  # every "MSG#…" sorts below it


class SessionSummary(BaseModel):
    """One session in its owner's list."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    agent_id: str
    title: str  # the start of its first user message
    turns: int
    created_at: str
    last_activity_at: str


class ToolCallView(BaseModel):
    """A tool the agent called, as a chat shows it (its input redacted)."""

    model_config = ConfigDict(frozen=True)

    id: str
    tool: str
    input: dict[str, Any]


class SessionMessage(BaseModel):
    """One message of a session as a chat shows it: its text and the tools it called; never the
    model's thinking, nor the raw tool results."""

    model_config = ConfigDict(frozen=True)

    turn: int
    role: Literal["user", "assistant"]
    text: str
    tool_calls: tuple[ToolCallView, ...] = ()


class SessionMemory:
    """An owner's sessions: listed, read and erased."""

    def __init__(self, sessions: SessionStore) -> None:
        self.sessions = sessions
        self.table = sessions.table

    def list(self, tenant_id: str, owner: Owner, *, limit: int, cursor: str | None) -> Page[SessionSummary]:
        """The owner's sessions, by last activity, newest first."""
        items, next_cursor = page_query(
            self.table,
            tenant_id=tenant_id,
            partition=keys.owner_sessions_gsi_pk(tenant_id, owner.caller_id, owner.end_user_id),
            index="GSI1",
            limit=limit,
            cursor=cursor,
        )
        metas = self.table.batch_get([(item["PK"], item["SK"]) for item in items])
        summaries = [
            _summary(meta)
            for item in items
            if (meta := metas.get(item["PK"])) is not None
            and (meta.get("caller_id"), meta.get("end_user_id")) == (owner.caller_id, owner.end_user_id)
        ]  # the partition is the owner's by construction; the meta says so too
        return Page(items=summaries, next_cursor=next_cursor)

    def messages(
        self, tenant_id: str, owner: Owner, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[SessionMessage]:
        """The session's messages, oldest first, ``limit`` stored turn parts (usually one part a
        turn) a page. A turn still running shows once it has ended."""
        self.owned_meta(tenant_id, owner, session_id)
        items, next_cursor = page_query(
            self.table,
            tenant_id=tenant_id,
            partition=keys.session_pk(tenant_id, session_id),
            limit=limit,
            cursor=cursor,
            newest_first=False,
            sort_from=_MESSAGES_FROM,
            sort_before=_MESSAGES_BEFORE,
        )
        shown = [view for item in items for view in _views(item)]
        return Page(items=shown, next_cursor=next_cursor)

    def delete(self, tenant_id: str, owner: Owner, session_id: str, now: datetime) -> int:
        """Erase the session: its messages, its meta and any write waiting in it; the number of
        items erased. Its runs and the audit trail stay. A session whose turn is running is a 409."""
        meta = self.owned_meta(tenant_id, owner, session_id)
        if meta.active_run is not None:
            unfinished = self.sessions.runs.unfinished(tenant_id, meta.active_run)
            if unfinished is not None and unfinished.holds_lease(now):
                raise SessionBusy(BUSY)
        pk = keys.session_pk(tenant_id, session_id)
        doomed: list[tuple[str, str]] = []
        start: Item | None = None
        while True:
            params: dict[str, Any] = {
                "KeyConditionExpression": "PK = :pk",
                "ExpressionAttributeValues": encode({":pk": pk}),
                "ProjectionExpression": "PK, SK",
            }
            if start is not None:
                params["ExclusiveStartKey"] = encode(start)
            items, start = self.table.query(include_expired=True, **params)
            doomed += [(item["PK"], item["SK"]) for item in items if item["SK"] != keys.SESSION_META_SK]
            if start is None:
                break
        # The meta goes last: if a batch fails, the session is still there, its owner with it, and
        # a retry finishes the job (a new session of this id never meets old messages).
        self.table.batch_delete(doomed)
        self.table.batch_delete([(pk, keys.SESSION_META_SK)])
        return len(doomed) + 1

    def owned_meta(self, tenant_id: str, owner: Owner, session_id: str) -> SessionMeta:
        """The session's meta, if the session is ``owner``'s; :func:`no_session` otherwise."""
        item = self.table.get(keys.session_pk(tenant_id, session_id), keys.SESSION_META_SK, consistent=True)
        meta = SessionMeta.model_validate(item) if item else None
        if meta is None or self.sessions.owner_of(tenant_id, meta) != owner:
            raise no_session(session_id)
        return meta


def _summary(meta: Item) -> SessionSummary:
    return SessionSummary(
        session_id=meta["session_id"],
        agent_id=meta["agent_id"],
        title=meta.get("title", ""),
        turns=int(meta["turn"]),
        created_at=meta["created_at"],
        last_activity_at=meta["updated_at"],
    )


def _views(item: Item) -> list[SessionMessage]:
    """The messages of one stored turn part, as a chat shows them (tool results and thinking left out)."""
    turn, _ = keys.message_position(item["SK"])
    if "messages" in item:
        stored = [Message.model_validate(m) for m in json.loads(unpack(item["messages"]))]
    else:
        stored = [Message.model_validate_json(item["data"])]  # one message an item, before 2026-11-29
    views = []
    for message in stored:
        calls = tuple(
            ToolCallView(id=use.id, tool=use.name, input=redact(use.input)) for use in message.tool_uses
        )
        if message.text or calls:
            views.append(SessionMessage(turn=turn, role=message.role, text=message.text, tool_calls=calls))
    return views
