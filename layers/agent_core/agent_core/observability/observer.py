"""What a turn tells the people who run it: its ids on every line it logs, one line per tool call,
one line when it ends, and its metrics.

No line holds an argument value, a tool's output or an error text written for the model (any of
which may quote what the user or a tenant's system said): the audit trail keeps those, redacted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from agent_core.clock import utc_now
from agent_core.events import Done, TextDelta
from agent_core.observability.logs import add_log_keys, logger
from agent_core.observability.metrics import held_as, publish_turn
from agent_core.store.records import RunRecord, ToolCallRecord


class TurnObserver:
    """Made when a turn starts (its ids join the request's log keys from then on); told of each
    event the client gets, of each tool call once it has ended, and of the turn's end."""

    def __init__(self, run: RunRecord) -> None:
        self._started_at = datetime.fromisoformat(run.started_at)
        self._first_token_ms: int | None = None
        add_log_keys(
            tenant_id=run.tenant_id, agent_id=run.agent_id, run_id=run.run_id, session_id=run.session_id
        )

    def saw(self, event: object) -> None:
        """An event on its way to the client: the first text fixes the time to first token, counted
        from the turn's start (before its checks), as the client waited for it."""
        if self._first_token_ms is None and isinstance(event, TextDelta):
            self._first_token_ms = _ms_since(self._started_at)

    def call_ended(self, call: ToolCallRecord) -> None:
        logger.info(
            "tool call",
            extra={
                "call_id": call.call_id,
                "tool": call.tool,
                "mode": call.mode,
                "ok": call.ok,
                "rejected": call.rejected,  # the guardrail that refused it (a shadowed call: mode)
                "latency_ms": call.latency_ms,
                "result_size": call.result_size,
            },
        )

    def turn_ended(self, final: RunRecord, done: Done, storage_error: str | None = None) -> None:
        """The turn as the client saw it end (``done``), and as stored (``final``); a turn that
        could not be stored names that error instead of its own."""
        failed = done.status == "failed"
        error = storage_error or (final.error.code if final.error else None)
        logger.info(
            "turn ended",
            extra={
                "status": done.status,
                "stop_reason": done.stop_reason,
                "error_code": error,
                "model": final.model,
                "turn": final.turn,
                "steps": len(final.steps) + final.steps_omitted,
                "rejections": dict(Counter(kind for call in final.steps if (kind := held_as(call)))),
                "usage": final.usage.model_dump(),
                "duration_ms": final.duration_ms,
                "time_to_first_token_ms": self._first_token_ms,
                "tool_ms": sum(call.latency_ms for call in final.steps),
            },
        )
        publish_turn(final, failed=failed, time_to_first_token_ms=self._first_token_ms)


def _ms_since(moment: datetime) -> int:
    return max(0, int((utc_now() - moment).total_seconds() * 1000))
