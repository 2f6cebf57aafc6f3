"""The local AWS state on disk: each change moto accepted, journaled, and replayed at the next start.

moto keeps its state in memory. ``make dev`` wraps moto's WSGI app in :class:`JournalingApp`: a
request that changed something (a write that succeeded; reads are not kept) is appended to the
journal, in one ``write``, before its answer leaves. A Ctrl-C or a ``kill -9`` of ``make dev``
therefore loses nothing a client was told had been done. At the next start the journal is replayed
into a fresh moto in-process, before the server takes its first request (:mod:`local.aws_restore`).

Why not moto's own recorder (``moto/moto_api/_internal/recorder/models.py`` in moto 5.2): it logs
every request, reads included (each chat turn looks up a key, a tenant, a secret and a session), so
the log and the replay grow with every turn; it appends an entry in two unlocked writes from the
server's request threads, so two concurrent requests can tear a large entry (a turn's transaction)
and a kill can leave a line without its end; and its replay stops at the first unreadable line.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from werkzeug.datastructures import EnvironHeaders
from werkzeug.wsgi import get_input_stream

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Operations that only read, by their name's start (X-Amz-Target for JSON APIs, Action= for query APIs).
_READS = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet", "Head")
# Headers that belong to one connection, not to the request's meaning.
_HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive"})
_RESET_PATH = "/moto-api/reset"


class JournalError(Exception):
    """The journal cannot be read back."""


@dataclass(frozen=True)
class Request:
    """One journaled request, as moto received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def line(self) -> bytes:
        data = {
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode(),
        }
        return json.dumps(data, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def parse(cls, line: bytes) -> Request:
        data = json.loads(line)
        return cls(data["method"], data["path"], dict(data["headers"]), base64.b64decode(data["body"]))


def changes_state(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether a request may change moto's state: anything but a known read (unknown: kept)."""
    if path.startswith("/moto-api/"):
        return False
    target = next((value for name, value in headers.items() if name.lower() == "x-amz-target"), None)
    if target:
        return not target.rsplit(".", 1)[-1].startswith(_READS)
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    return not (action and action.startswith(_READS))


class Journal:
    """An append-only file of :class:`Request` lines; a torn last line (a kill mid-write) is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_torn_end()
        self._fd = self._open()

    def requests(self) -> Iterator[Request]:
        with self.path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                try:
                    yield Request.parse(line)
                except (ValueError, KeyError, TypeError) as exc:
                    raise JournalError(f"{self.path}, line {number}, is not a journaled request") from exc

    def append(self, request: Request) -> None:
        data = request.line()
        with self._lock:  # whole lines, in the order moto answered them
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])

    def clear(self) -> None:
        with self._lock:
            os.ftruncate(self._fd, 0)

    def rewrite(self, requests: Iterable[Request]) -> None:
        """Replace the whole journal with ``requests``, atomically: a kill leaves the old one or the new."""
        staged = self.path.with_name(self.path.name + ".new")
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds secrets
        with os.fdopen(descriptor, "wb") as file:
            file.write(b"".join(request.line() for request in requests))
        with self._lock:
            os.replace(staged, self.path)
            os.close(self._fd)
            self._fd = self._open()

    def _open(self) -> int:
        # Mode 600: the journal holds the tenants' secrets as moto received them.
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def close(self) -> None:
        os.close(self._fd)

    def _drop_torn_end(self) -> None:
        """Cut a line a kill left unfinished (its newline is written last), so appends start a line."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with self.path.open("r+b") as file:
                file.truncate(end)


class JournalingApp:
    """moto's WSGI app, journaling each request that changed state, before its answer leaves."""

    def __init__(self, app: WsgiApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = get_input_stream(environ).read()
        # moto reads the body again: hand it a plain, complete one.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        method = environ["REQUEST_METHOD"]
        path = environ.get("RAW_URI") or _path(environ)
        if method == "POST" and path.split("?")[0] == _RESET_PATH:
            return self.app(environ, self._after(self.journal.clear, start_response))
        headers = dict(EnvironHeaders(environ).items())
        if not changes_state(method, path, headers, body):
            return self.app(environ, start_response)
        kept = {name: value for name, value in headers.items() if name.lower() not in _HOP_HEADERS}
        request = Request(method, path, kept, body)
        return self.app(environ, self._after(lambda: self.journal.append(request), start_response))

    @staticmethod
    def _after(action: Callable[[], None], start_response: Callable[..., Any]) -> Callable[..., Any]:
        """``start_response`` that runs ``action`` first if the answer is a success."""

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if int(status.split(" ", 1)[0]) < 400:
                action()
            return start_response(status, headers, exc_info)

        return start


def _path(environ: dict[str, Any]) -> str:
    path = quote(environ.get("PATH_INFO", "/"))
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path
