"""Scripted replies, rendered as the Messages API's streaming events; shared by the loopback fakes.

Event order and fields follow https://platform.claude.com/docs/en/build-with-claude/streaming and
https://platform.claude.com/docs/en/build-with-claude/thinking#streaming-thinking, checked against the
SDK's accumulator (``anthropic/lib/streaming/_messages.py``): ``message_start`` (``stop_reason`` null),
then per block ``content_block_start`` / deltas / ``content_block_stop``, then ``message_delta`` (stop
reason, cumulative usage) and ``message_stop``. A thinking block streams ``thinking_delta`` events (one
empty delta when display is omitted) and one ``signature_delta`` just before its ``content_block_stop``.
Thinking blocks appear iff the request's thinking is on, whatever the reply scripted.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakes.messages_rules import RequestReview
from tests.fakes.thinking_signer import Signer

Frame = tuple[str, dict[str, Any]]
Ending = Literal["complete", "error_event", "disconnect"]


@dataclass(frozen=True)
class Text:
    chunks: tuple[str, ...]


@dataclass(frozen=True)
class ToolCall:
    """A ``tool_use`` block; ``cut_after`` ends the reply after that many ``input_json_delta`` pieces."""

    name: str
    arguments: dict[str, Any]
    id: str = "toolu_01FakeToolUse"
    cut_after: int | None = None


@dataclass(frozen=True)
class HttpError:
    status: int
    error_type: str
    message: str
    retry_after: str | None = None


@dataclass
class Reply:
    """One scripted answer. ``render`` turns it into events for one particular request."""

    parts: list[Text | ToolCall] = field(default_factory=list)
    stop_reason: str = "end_turn"
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    input_tokens: int = 30
    output_tokens: int = 12
    cache_creation: int = 0
    cache_read: int = 0
    thinking: str = "Let me work out what is being asked before answering."
    thinking_tokens: int = 25
    redacted: bool = False
    ending: Ending = "complete"
    error: tuple[str, str] = ("overloaded_error", "Overloaded")
    cut_after_frames: int | None = None
    http_error: HttpError | None = None
    gate_after_first_text: threading.Event | None = None
    gates: dict[int, threading.Event] = field(default_factory=dict)

    def render(
        self, body: dict[str, Any], review: RequestReview, signer: Signer, *, report: bool
    ) -> Rendered:
        return _Renderer(self, body, review, signer).render(report=report)


@dataclass
class Rendered:
    frames: list[Frame]
    gates: dict[int, threading.Event]
    cut_after: int | None  # close the connection after this many frames, mid-chunk

    def message(self) -> dict[str, Any]:
        """The whole message these frames build, for a non-streaming answer."""
        message: dict[str, Any] = {}
        partial_json: dict[int, str] = {}
        for event, data in self.frames:
            if event == "message_start":
                message = json.loads(json.dumps(data["message"]))
            elif event == "content_block_start":
                message["content"].append(dict(data["content_block"]))
            elif event == "content_block_delta":
                block, delta = message["content"][data["index"]], data["delta"]
                if delta["type"] == "text_delta":
                    block["text"] += delta["text"]
                elif delta["type"] == "thinking_delta":
                    block["thinking"] += delta["thinking"]
                elif delta["type"] == "signature_delta":
                    block["signature"] = delta["signature"]
                elif delta["type"] == "input_json_delta":
                    partial_json[data["index"]] = partial_json.get(data["index"], "") + delta["partial_json"]
            elif event == "message_delta":
                message.update(data["delta"])
                message["usage"].update(data["usage"])
        for index, raw in partial_json.items():
            try:
                message["content"][index]["input"] = json.loads(raw)
            except ValueError:
                message["content"][index]["input"] = {}
        return message


class _Renderer:
    def __init__(self, reply: Reply, body: dict[str, Any], review: RequestReview, signer: Signer) -> None:
        self.reply, self.body, self.review, self.signer = reply, body, review, signer
        self.frames: list[Frame] = []
        self.blocks: list[dict[str, Any]] = []  # completed blocks, as the client will send them back
        self.gates = dict(reply.gates)
        self.thought = False

    def render(self, *, report: bool) -> Rendered:
        plan = self.review.thinking
        self.frames.append(("message_start", {"type": "message_start", "message": self._message(report)}))
        if plan.on:
            self._thinking(self.reply.thinking, plan.display)
            if self.reply.redacted:
                self._redacted()
        cut = False
        for part in self.reply.parts:
            if isinstance(part, Text):
                self._text(part)
            else:
                if plan.mode == "between_tools":  # a progress update before each tool call, text returned
                    self._thinking(f"Calling {part.name} next.", "summarized")
                cut = self._tool_use(part)
                if cut:
                    break
        if self.reply.ending == "error_event":
            error_type, message = self.reply.error
            self.frames.append(
                ("error", {"type": "error", "error": {"type": error_type, "message": message}})
            )
            return Rendered(self.frames, self.gates, None)
        self._end()
        return Rendered(self.frames, self.gates, self.reply.cut_after_frames)

    def _message(self, report: bool) -> dict[str, Any]:
        reply = self.reply
        message: dict[str, Any] = {
            "id": "msg_01FakeMessage",
            "type": "message",
            "role": "assistant",
            "model": self.review.profile.id,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "stop_details": None,
            "usage": {
                "input_tokens": reply.input_tokens,
                "cache_creation_input_tokens": reply.cache_creation,
                "cache_read_input_tokens": reply.cache_read,
                "output_tokens": 1,
            },
        }
        if report:  # only under the thinking-binding-controls beta header
            message["input_transformations"] = self.review.input_transformations
        return message

    def _start(self, block: dict[str, Any]) -> int:
        index = len(self.blocks)
        self.frames.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})
        )
        if index == 0:
            self.frames.append(("ping", {"type": "ping"}))
        return index

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        self.frames.append(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
        )

    def _stop(self, index: int, block: dict[str, Any]) -> None:
        self.frames.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        self.blocks.append(block)

    def _thinking(self, text: str, display: str) -> None:
        minted = self.signer.thinking_block(self.body, self.blocks, text, display=display)
        index = self._start({"type": "thinking", "thinking": "", "signature": ""})
        shown = minted["thinking"]
        for piece in _halves(shown) if shown else [""]:
            self._delta(index, {"type": "thinking_delta", "thinking": piece})
        self._delta(index, {"type": "signature_delta", "signature": minted["signature"]})
        self._stop(index, minted)
        self.thought = True

    def _redacted(self) -> None:
        minted = self.signer.redacted_block(self.body, self.blocks)
        index = self._start(minted)
        self._stop(index, minted)
        self.thought = True

    def _text(self, part: Text) -> None:
        index = self._start({"type": "text", "text": ""})
        for chunk in part.chunks:
            self._delta(index, {"type": "text_delta", "text": chunk})
            gate = self.reply.gate_after_first_text
            if gate is not None and not any(g is gate for g in self.gates.values()):
                self.gates[len(self.frames)] = gate
        self._stop(index, {"type": "text", "text": "".join(part.chunks)})

    def _tool_use(self, call: ToolCall) -> bool:
        index = self._start({"type": "tool_use", "id": call.id, "name": call.name, "input": {}})
        encoded = json.dumps(call.arguments)
        pieces = [encoded[start : start + 7] for start in range(0, len(encoded), 7)]
        cut = call.cut_after is not None and call.cut_after < len(pieces)
        for piece in pieces[: call.cut_after] if cut else pieces:
            self._delta(index, {"type": "input_json_delta", "partial_json": piece})
        self._stop(index, {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
        return cut

    def _end(self) -> None:
        reply = self.reply
        usage = {
            "input_tokens": reply.input_tokens,
            "cache_creation_input_tokens": reply.cache_creation,
            "cache_read_input_tokens": reply.cache_read,
            "output_tokens": reply.output_tokens,
            "output_tokens_details": {"thinking_tokens": reply.thinking_tokens if self.thought else 0},
        }
        delta = {
            "stop_reason": reply.stop_reason,
            "stop_sequence": reply.stop_sequence,
            "stop_details": reply.stop_details,
        }
        self.frames.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
        self.frames.append(("message_stop", {"type": "message_stop"}))


def _halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [piece for piece in (text[:middle], text[middle:]) if piece]


class ScriptedReplies:
    """The scripting surface both fakes share: tests queue replies, requests consume them in order."""

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
    ) -> Reply:
        """Optionally some text, then one tool call (``stop_reason: tool_use``)."""
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
