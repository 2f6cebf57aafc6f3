"""Noticing a client that goes away while its turn runs, as soon as it does.

A streamed response learns of a closed connection only when it next writes (which may be seconds
away, while the model thinks or a tool runs); the ASGI server says so at once, as an
``http.disconnect`` message. The run is not stopped by it: :meth:`Turn.client_left` decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from agent_core.following import RunFollower
    from agent_core.replay import Replay
    from agent_core.turn import Turn


@asynccontextmanager
async def noticing_disconnect(request: Request, turn: Turn | Replay | RunFollower) -> AsyncIterator[None]:
    """Tell ``turn`` when ``request``'s client goes away, while the block runs."""

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        turn.client_left()

    watcher = asyncio.create_task(watch())
    try:
        yield
    finally:
        watcher.cancel()
