"""A privacy request: erase what one end user of a tenant said and was told.

Their sessions go whole (messages, meta, waiting writes); their runs stay, emptied of what was
said (reply, tool inputs and output summaries, error texts) but keeping which agent and tools
ran, when, how it went and what it cost. The audit trail stays as it is: it is the tenant's
record of what its agents did (tools, arguments redacted of secrets, outcomes), and it expires
with the audit retention; the erasure says how many tool calls it keeps there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent_core.errors import NotFound, SessionBusy
from agent_core.store.api_keys import ApiKeyStore
from agent_core.store.memory import SessionMemory
from agent_core.store.run_filter import RunFilter
from agent_core.store.runs import RunStore
from agent_core.tenancy import Owner


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, and what it kept."""

    sessions_erased: int
    items_erased: int
    runs_emptied: int
    sessions_busy: tuple[str, ...]  # a turn was running in them: erase again once it has ended
    tool_calls_kept: int  # their entries in the audit trail, kept as they are


def erase_end_user(
    *,
    api_keys: ApiKeyStore,
    memory: SessionMemory,
    runs: RunStore,
    tenant_id: str,
    end_user_id: str,
    now: datetime,
) -> Erasure:
    """Erase ``end_user_id``'s sessions and empty their ended runs, for every caller of
    ``tenant_id`` that acted for them (every key the tenant has had, revoked ones too). A turn
    running meanwhile is neither erased nor emptied: its session is named in ``sessions_busy``."""
    callers = sorted({record.caller_id for record in api_keys.list(tenant_id)})
    sessions = items = 0
    busy: list[str] = []
    for caller_id in callers:
        owner = Owner(caller_id=caller_id, end_user_id=end_user_id)
        found = []
        cursor: str | None = None
        while True:
            page = memory.list(tenant_id, owner, limit=100, cursor=cursor)
            found += [session.session_id for session in page.items]
            if (cursor := page.next_cursor) is None:
                break
        for session_id in found:
            try:
                items += memory.delete(tenant_id, owner, session_id, now)
                sessions += 1
            except SessionBusy:
                busy.append(session_id)
            except NotFound:
                continue  # erased meanwhile
    emptied = calls = 0
    cursor = None
    while True:  # a caller's view reads the tenant's runs anyway: one pass over them all
        listed = runs.list(tenant_id, RunFilter(owner=None), limit=100, cursor=cursor)
        for run in listed.items:
            if run.end_user_id == end_user_id and run.session_id not in busy:
                runs.erase_content(run)
                emptied += 1
                calls += len(run.steps) + run.steps_omitted
        if (cursor := listed.next_cursor) is None:
            break
    return Erasure(sessions, items, emptied, tuple(busy), calls)
