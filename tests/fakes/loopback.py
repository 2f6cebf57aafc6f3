"""HTTP plumbing the loopback fakes share: a threaded server on 127.0.0.1 and a handler that streams
chunked bodies, pauses at gates, and can cut the connection mid-chunk like a dropped network."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def api_key(self) -> str | None:
        bearer = self.headers.get("authorization", "")
        return self.headers.get("x-api-key") or (bearer[7:] if bearer.lower().startswith("bearer ") else None)

    @property
    def betas(self) -> list[str]:
        return [b.strip() for b in self.headers.get("anthropic-beta", "").split(",") if b.strip()]


class LoopbackServer:
    """A ``ThreadingHTTPServer`` on an ephemeral loopback port, served from a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def lower_headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(encoded)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(encoded)

    def stream_chunks(
        self,
        chunks: Iterable[bytes],
        *,
        content_type: str,
        headers: dict[str, str],
        gates: dict[int, threading.Event],
        waiting: threading.Event,
        cut_after: int | None,
    ) -> None:
        """A 200 with a chunked body, one chunk per event; ``cut_after`` closes the socket mid-chunk."""
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")  # so a client does not pool a socket the fake will close
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True
        for index, chunk in enumerate(chunks):
            gate = gates.get(index)
            if gate is not None:
                waiting.set()
                gate.wait(timeout=30)
            if cut_after is not None and index >= cut_after:
                self._cut(chunk)
                return
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _cut(self, chunk: bytes) -> None:
        """Promise a whole chunk, send half of it, and hang up: the client sees an incomplete body."""
        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk[: len(chunk) // 2])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)


class ServedFake:
    """A fake on its own loopback server that answers every POST with :meth:`_answer`."""

    def __init__(self) -> None:
        fake = self

        class Handler(FakeHandler):
            def do_POST(self) -> None:
                fake._answer(self)

        self._server = LoopbackServer(Handler)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def _answer(self, handler: FakeHandler) -> None:
        raise NotImplementedError
