"""Closing a confirmation nobody can give any more: it expired, or a newer turn passed it by.

The run that waited on it is stored as ended (its write never ran), the confirmation as decided,
and the call's audit entry says why it did not run. This only tidies up: what makes a stale
confirmation impossible to give is the condition on the write that would resume its run.
"""

from __future__ import annotations

import asyncio

from agent_core.clock import utc_now
from agent_core.errors import AgentRuntimeError
from agent_core.observability import logger
from agent_core.store.audit import AuditStore
from agent_core.store.confirmations import Confirmation
from agent_core.store.confirmations import Decision as ConfirmDecision
from agent_core.store.records import AuditEntry, ToolCallRecord
from agent_core.store.sessions import SessionStore

WHY = {
    "expired": "nobody confirmed this write before it expired: it did not run",
    "superseded": "the conversation moved on before anyone confirmed this write: it did not run",
}


async def settle(
    sessions: SessionStore, audit: AuditStore, confirmation: Confirmation, decision: ConfirmDecision
) -> None:
    """Store ``confirmation``'s run as ended without its write; a failure is logged, not raised."""
    try:
        await asyncio.to_thread(_settle, sessions, audit, confirmation, decision)
    except AgentRuntimeError as exc:
        logger.warning(
            "could not settle a confirmation",
            extra={"run_id": confirmation.run_id, "call_id": confirmation.call_id, "error": exc.message},
        )


async def settle_superseded(
    sessions: SessionStore, audit: AuditStore, tenant_id: str, session_id: str, call_id: str
) -> None:
    """The write a session's last turn waited on, passed by a newer turn."""
    try:
        confirmation = await asyncio.to_thread(sessions.confirmations.get, tenant_id, session_id, call_id)
    except AgentRuntimeError as exc:
        logger.warning("could not read a confirmation", extra={"call_id": call_id, "error": exc.message})
        return
    if confirmation is not None and confirmation.decision is None:
        await settle(sessions, audit, confirmation, "superseded")


def _settle(
    sessions: SessionStore, audit: AuditStore, confirmation: Confirmation, decision: ConfirmDecision
) -> None:
    paused = sessions.runs.get(confirmation.tenant_id, confirmation.run_id)
    if paused is None or paused.awaiting is None:
        return
    now = utc_now()
    why = WHY.get(decision, f"this write was {decision}: it did not run")
    ended = paused.model_copy(
        update={"status": "completed", "stop_reason": f"confirmation_{decision}", "awaiting": None}
    )
    if not sessions.settle(confirmation, ended, decision, now=now):
        return
    call = ToolCallRecord(
        call_id=confirmation.call_id,
        tool=confirmation.tool,
        input=paused.awaiting.input,
        ok=False,
        error=why,
        started_at=confirmation.created_at,
        rejected="confirmation",
    )
    audit.record(confirmation.tenant_id, AuditEntry.of(call, run=ended))
