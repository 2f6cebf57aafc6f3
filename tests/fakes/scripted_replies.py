"""The scripting surface both loopback fakes share: tests queue replies, requests consume them in order."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from tests.fakes.messages_stream import HttpError, Reply, Text, ToolCall


class ScriptedReplies:
    """Queue replies with ``reply_*``; each one answers the next request the fake accepts."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.waiting = threading.Event()

    def add(self, reply: Reply) -> Reply:
        with self._lock:
            self._replies.append(reply)
        return reply

    def next_reply(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    @property
    def pending(self) -> int:
        return len(self._replies)

    def reply_text(
        self,
        *chunks: str,
        input_tokens: int = 30,
        output_tokens: int = 12,
        cache_creation: int = 0,
        cache_read: int = 0,
        thinking_tokens: int = 25,
        gate_after_first: threading.Event | None = None,
        stop_reason: str = "end_turn",
        stop_sequence: str | None = None,
        redacted: bool = False,
    ) -> Reply:
        """Text in the given chunks; ``gate_after_first`` holds the stream after the first chunk."""
        return self.add(
            Reply(
                parts=[Text(chunks)] if chunks else [],
                stop_reason=stop_reason,
                stop_sequence=stop_sequence,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cache_creation=cache_creation,
                cache_read=cache_read,
                thinking_tokens=thinking_tokens,
                redacted=redacted,
                gate_after_first_text=gate_after_first,
            )
        )

    def reply_tool_use(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        tool_use_id: str = "toolu_01FakeToolUse",
        text: str = "",
        input_tokens: int = 40,
        cache_creation: int = 0,
        cache_read: int = 0,
        gate_after_text: threading.Event | None = None,
    ) -> Reply:
        """Optionally some text, then one tool call (``stop_reason: tool_use``); ``gate_after_text``
        holds the stream after the text."""
        parts: list[Text | ToolCall] = [Text((text,))] if text else []
        parts.append(ToolCall(name, arguments, tool_use_id))
        return self.add(
            Reply(
                parts,
                "tool_use",
                input_tokens=input_tokens,
                output_tokens=20,
                cache_creation=cache_creation,
                cache_read=cache_read,
                gate_after_first_text=gate_after_text,
            )
        )

    def reply_tool_uses(self, *calls: ToolCall, text: str = "") -> Reply:
        """Several tool calls in one reply."""
        parts: list[Text | ToolCall] = [Text((text,))] if text else []
        return self.add(Reply([*parts, *calls], "tool_use", output_tokens=30))

    def reply_tool_use_cut(
        self,
        name: str,
        arguments: dict[str, Any],
        *,
        pieces: int = 2,
        tool_use_id: str = "toolu_01FakeToolUse",
    ) -> Reply:
        """A tool call whose input JSON stops after ``pieces`` deltas: ``stop_reason: max_tokens``."""
        return self.add(Reply([ToolCall(name, arguments, tool_use_id, cut_after=pieces)], "max_tokens"))

    def reply_stop(
        self,
        stop_reason: str,
        *chunks: str,
        stop_sequence: str | None = None,
        stop_details: dict[str, Any] | None = None,
    ) -> Reply:
        """Text ending with any stop reason (``max_tokens``, ``pause_turn``, ``refusal``, ...)."""
        parts: list[Text | ToolCall] = [Text(chunks)] if chunks else []
        return self.add(Reply(parts, stop_reason, stop_sequence=stop_sequence, stop_details=stop_details))

    def reply_refusal(
        self, *chunks: str, category: str | None = "cyber", explanation: str | None = None
    ) -> Reply:
        """A classifier refusal: ``stop_reason: refusal`` with ``stop_details`` (HTTP 200, not an error)."""
        details = {"type": "refusal", "category": category, "explanation": explanation}
        return self.reply_stop("refusal", *chunks, stop_details=details)

    def reply_overloaded_midstream(self, text_before: str = "Let me think") -> Reply:
        """Some text, then an ``event: error`` of type ``overloaded_error``, as the API does under load."""
        return self.reply_error_event("overloaded_error", "Overloaded", text_before)

    def reply_error_event(self, error_type: str, message: str, text_before: str = "") -> Reply:
        parts: list[Text | ToolCall] = [Text((text_before,))] if text_before else []
        return self.add(Reply(parts, ending="error_event", error=(error_type, message)))

    def reply_error(
        self, status: int, error_type: str, message: str, *, retry_after: str | None = None
    ) -> Reply:
        """An HTTP error with the API's error body (and ``retry-after`` when given)."""
        return self.add(Reply(http_error=HttpError(status, error_type, message, retry_after)))

    def reply_disconnect(self, *chunks: str, after_frames: int = 4) -> Reply:
        """Start streaming, then close the socket after ``after_frames`` events, mid-chunk."""
        return self.add(
            Reply([Text(chunks or ("Partial",))], cut_after_frames=after_frames, ending="disconnect")
        )
