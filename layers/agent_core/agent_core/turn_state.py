"""What one turn has done so far, as one typed record: the loop writes it, the turn stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_core.clock import iso, utc_now
from agent_core.deadline import Deadline
from agent_core.llm.types import Message, Refusal, Usage
from agent_core.store.records import PendingCall, RunError, RunRecord, ToolCallRecord

MAX_STORED_REPLY_CHARS = 16_000


@dataclass(frozen=True)
class Awaiting:
    """The write a run paused on, waiting for a person's confirmation."""

    call_id: str
    tool_use_id: str
    tool: str
    arguments: dict[str, Any]  # exactly as the model gave them: what runs if it is approved
    input: dict[str, Any]  # redacted, as the client and the audit see them
    position: int  # among the tool uses of the answer that asked for it
    started_at: str
    expires_at: str

    @property
    def pending(self) -> PendingCall:
        return PendingCall(call_id=self.call_id, tool=self.tool, input=self.input, expires_at=self.expires_at)


@dataclass
class TurnState:
    """One turn's state from its first check to its stored end.

    ``run`` is the run as it started (identity, model, turn number, deadline); the loop adds the
    conversation (``messages``, after the user's), ``usage``, ``steps``, and why it stopped.
    """

    run: RunRecord
    deadline: Deadline
    user_message: Message
    messages: list[Message] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    steps: list[ToolCallRecord] = field(default_factory=list)
    stop_reason: str | None = None
    refusal: Refusal | None = None
    model: str | None = None  # the fallback that answered, when the turn's model failed at once
    model_calls: int = 0
    awaiting: Awaiting | None = None  # the write the run paused on, if it did
    stop_requested: bool = False  # the client went away and the run should stop at its next step
    cancelled: bool = False  # someone cancelled the run: it stops at its next step, as cancelled

    @property
    def reply(self) -> str:
        """What the model said this turn, as the user read it."""
        return "".join(message.text for message in self.messages if message.role == "assistant")

    def ended(self, *, error: RunError | None, stop_reason: str | None, duration_ms: int) -> RunRecord:
        """The run record as the turn ended."""
        paused = self.awaiting is not None and error is None
        return self.run.model_copy(
            update={
                "status": "failed"
                if error
                else "cancelled"
                if self.cancelled
                else "awaiting_confirmation"
                if paused
                else "completed",
                "awaiting": self.awaiting.pending if paused and self.awaiting else None,
                "stop_reason": stop_reason or self.stop_reason or "end_turn",
                "usage": self.usage,
                "steps": tuple(self.steps),
                "reply": self.reply[:MAX_STORED_REPLY_CHARS],
                "error": error,
                "finished_at": iso(utc_now()),
                "duration_ms": (self.run.duration_ms or 0) + duration_ms,  # before a pause too
                "model": self.model or self.run.model,
            }
        )
