"""A loopback fake of Anthropic's Messages API that speaks its real SSE wire format.

The SDK under test parses these bytes itself, so its streaming, tool-use accumulation, usage and
error handling are exercised for real. Each test scripts the replies it needs, in order.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Frame = tuple[str, dict[str, Any]]


@dataclass
class Reply:
    """One scripted answer: HTTP status, SSE frames, and optional pauses (gates) between frames."""

    frames: list[Frame] = field(default_factory=list)
    status: int = 200
    body: dict[str, Any] | None = None
    gates: dict[int, threading.Event] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def api_key(self) -> str | None:
        bearer = self.headers.get("authorization", "")
        return self.headers.get("x-api-key") or (bearer[7:] if bearer.lower().startswith("bearer ") else None)


def _usage(input_tokens: int, cache_creation: int, cache_read: int) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": 1,
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": cache_read,
    }


class FakeMessagesAPI:
    """``POST /v1/messages`` on 127.0.0.1; answers with the next scripted :class:`Reply`."""

    def __init__(self, *, api_key: str = "sk-ant-test-key", model: str = "claude-test") -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._replies: deque[Reply] = deque()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.waiting = threading.Event()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # Scripting -----------------------------------------------------------------------------

    def reply_text(
        self,
        *chunks: str,
        input_tokens: int = 30,
        output_tokens: int = 12,
        cache_creation: int = 0,
        cache_read: int = 0,
        gate_after_first: threading.Event | None = None,
    ) -> None:
        frames = [self._message_start(input_tokens, cache_creation, cache_read)]
        frames.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            )
        )
        frames.append(("ping", {"type": "ping"}))
        for chunk in chunks:
            frames.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": chunk},
                    },
                )
            )
        frames.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        frames += self._message_end("end_turn", output_tokens)
        gates = {4: gate_after_first} if gate_after_first else {}
        self._replies.append(Reply(frames=frames, gates=gates))

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
    ) -> None:
        frames = [self._message_start(input_tokens, cache_creation, cache_read)]
        index = 0
        if text:
            frames.append(
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            frames.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": text},
                    },
                )
            )
            frames.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
            index = 1
        frames.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "tool_use", "id": tool_use_id, "name": name, "input": {}},
                },
            )
        )
        encoded = json.dumps(arguments)
        for start in range(0, len(encoded), 7):  # the real API sends the JSON in small pieces
            piece = encoded[start : start + 7]
            frames.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                )
            )
        frames.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        frames += self._message_end("tool_use", 20)
        self._replies.append(Reply(frames=frames))

    def reply_overloaded_midstream(self, text_before: str = "Let me think") -> None:
        """Some text, then an ``event: error`` of type ``overloaded_error``, as the API does under load."""
        frames = [self._message_start(30, 0, 0)]
        frames.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            )
        )
        frames.append(
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": text_before},
                },
            )
        )
        frames.append(
            ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
        )
        self._replies.append(Reply(frames=frames))

    def reply_error(self, status: int, error_type: str, message: str) -> None:
        self._replies.append(
            Reply(status=status, body={"type": "error", "error": {"type": error_type, "message": message}})
        )

    # Wire format ---------------------------------------------------------------------------

    def _message_start(self, input_tokens: int, cache_creation: int, cache_read: int) -> Frame:
        return (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_01FakeMessage",
                    "type": "message",
                    "role": "assistant",
                    "model": self.model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": _usage(input_tokens, cache_creation, cache_read),
                },
            },
        )

    @staticmethod
    def _message_end(stop_reason: str, output_tokens: int) -> list[Frame]:
        return [
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": output_tokens},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                recorded = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                fake.requests.append(recorded)
                if self.path.split("?")[0] != "/v1/messages":
                    self._json(
                        404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}}
                    )
                    return
                if recorded.api_key != fake.api_key:
                    self._json(
                        401,
                        {
                            "type": "error",
                            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
                        },
                    )
                    return
                missing = [name for name in ("model", "max_tokens", "messages") if name not in body]
                if missing:
                    message = f"{missing[0]}: Field required"
                    self._json(
                        400, {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
                    )
                    return
                if not fake._replies:
                    self._json(
                        500, {"type": "error", "error": {"type": "api_error", "message": "no scripted reply"}}
                    )
                    return
                reply = fake._replies.popleft()
                if reply.body is not None:
                    self._json(reply.status, reply.body)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                for index, (event, data) in enumerate(reply.frames):
                    gate = reply.gates.get(index)
                    if gate is not None:
                        fake.waiting.set()
                        gate.wait(timeout=30)
                    self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                encoded = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(encoded)))
                self.send_header("request-id", "req_fake")
                self.end_headers()
                self.wfile.write(encoded)

        return Handler


@contextmanager
def running_messages_api(**kwargs: Any) -> Iterator[FakeMessagesAPI]:
    fake = FakeMessagesAPI(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
