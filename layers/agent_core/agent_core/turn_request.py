"""What a caller asks of one turn; the HTTP bodies (chat, task API) are views of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent_core.store.idempotency import IdempotencyKey


@dataclass(frozen=True)
class TurnRequest:
    message: str
    session_id: str | None = None
    tools: tuple[str, ...] | None = None  # None offers all of the agent's tools, () none
    max_steps: int | None = None
    idempotency: IdempotencyKey | None = None  # the request's Idempotency-Key, if it sent one

    @classmethod
    def of(
        cls, message: str, *, session_id: str | None, tools: Sequence[str] | None, max_steps: int | None
    ) -> TurnRequest:
        return cls(message, session_id, tuple(tools) if tools is not None else None, max_steps)
