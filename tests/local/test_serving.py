"""The local server (``make dev``, the bench, the tests) sends each small write at once."""

from __future__ import annotations

import socket

import httpx
from fastapi import FastAPI

from local.serving import BackgroundServer


def test_connections_the_server_accepts_do_not_hold_small_writes() -> None:
    # With Nagle's algorithm on, a write after the first (the body after the headers, the next SSE
    # frame) waits for the client's delayed ACK: every request after the first on a kept-alive
    # connection took ~44 ms here instead of ~1 ms, and a stream's frames arrived in bursts.
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    with BackgroundServer(app).start() as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/ping").status_code == 200  # the connection stays open (keep-alive)
        connections = list(server._server.server_state.connections)
        nodelay = [
            c.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            for c in connections
        ]

    assert connections
    assert all(nodelay), nodelay
