"""Stream events as Server-Sent Events frames (FastAPI's own SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi.sse import ServerSentEvent

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
