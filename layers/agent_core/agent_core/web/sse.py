"""Stream events as Server-Sent Events frames (FastAPI's own SSE), sent so that nothing on the way
holds them back."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.sse import ServerSentEvent
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_core.events import StreamEvent
from agent_core.store.run_events import Numbered


async def sse_frames(events: AsyncIterator[StreamEvent], run_id: str) -> AsyncIterator[ServerSentEvent]:
    """``event: <type>``, ``id: <run_id>:<seq>``, ``data: <json>`` for each event, seq from 1."""
    seq = 0
    async for event in events:
        seq += 1
        yield ServerSentEvent(event=event.type, id=f"{run_id}:{seq}", raw_data=event.model_dump_json())


async def numbered_frames(events: AsyncIterator[Numbered], run_id: str) -> AsyncIterator[ServerSentEvent]:
    """The same frames for events numbered already (a run's own numbers: see ``Turn.numbered``)."""
    async for item in events:
        event = item.event
        yield ServerSentEvent(event=event.type, id=f"{run_id}:{item.seq}", raw_data=event.model_dump_json())


EVENT_STREAM = "text/event-stream"


class UnbufferedStreams:
    """ASGI middleware: a stream's answer tells caches and proxies neither to keep nor to transform
    it (``no-transform`` forbids compressing it on the way, RFC 9111 §5.2.2.6), nginx not to buffer
    it (``X-Accel-Buffering: no``), and is never itself compressed: a proxy that compresses or
    buffers holds frames back until it has enough of them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_unbuffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith(EVENT_STREAM):
                    headers["Content-Type"] = f"{EVENT_STREAM}; charset=utf-8"
                    headers["Cache-Control"] = "no-cache, no-transform"
                    headers["X-Accel-Buffering"] = "no"
                    del headers["Content-Encoding"]
            await send(message)

        await self.app(scope, receive, send_unbuffered)
