"""What a caller asks of one turn; the HTTP bodies (chat, task API) are views of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TurnRequest:
    message: str
    session_id: str | None = None
    tools: tuple[str, ...] | None = None  # None offers all of the agent's tools, () none
    max_steps: int | None = None
