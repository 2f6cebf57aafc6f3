"""A model whose first answer is already on its way while the turn's start is being written.

The turn's first request goes out as soon as the turn knows what to ask, and the begin write
runs meanwhile; the events wait in a queue until the loop reads them, which is after the write has
made the user's message durable. If the begin fails (a busy session), the request is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from agent_core.llm.model import Model
from agent_core.llm.types import ModelEvent, ModelRequest

_END = object()


class Prefetched:
    """``model``, with the stream of ``first`` started now; its first :meth:`stream` call reads
    that stream, later calls go to ``model``."""

    def __init__(self, model: Model, first: ModelRequest) -> None:
        self._model = model
        self._events: asyncio.Queue[ModelEvent | BaseException | object] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(first))
        self._read = False

    @property
    def name(self) -> str:
        return self._model.name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        if self._read:
            async for event in self._model.stream(request):
                yield event
            return
        self._read = True
        try:
            while (item := await self._events.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            await self.cancel()

    async def cancel(self) -> None:
        """Stop the first request if it is still going (the turn did not start, or is over)."""
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _pump(self, request: ModelRequest) -> None:
        try:
            async for event in self._model.stream(request):
                self._events.put_nowait(event)
        except Exception as exc:  # raised to the loop when it reads this far
            self._events.put_nowait(exc)
        else:
            self._events.put_nowait(_END)
