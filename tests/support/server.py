"""Serve an ASGI app with uvicorn on loopback, in a thread, for one test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local.serving import BackgroundServer


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Yield the base URL of ``app`` served by a real uvicorn on 127.0.0.1."""
    with BackgroundServer(app, name="test server").start() as server:
        yield server.url
