"""An ASGI app served by uvicorn on loopback in a background thread (demo servers, tests)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

HOST = "127.0.0.1"


class BackgroundServer:
    """``start()`` binds 127.0.0.1:``port`` (0: any free port) and serves until ``stop()``."""

    def __init__(self, app: Any, *, port: int = 0, name: str = "server") -> None:
        self.app = app
        # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on connections whose socket
        # says TCP (CPython asyncio/base_events.py, _set_nodelay); otherwise every small write after
        # the first (a response body, an SSE frame) waits ~40 ms for the client's delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=name, daemon=True
        )
        self.name = name

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
