"""A turn's model that rides out a provider's bad moment, as long as nothing has reached the client.

A request refused before its first event (rate limited, overloaded, unreachable) is asked again
with backoff; the SDK already retries HTTP-level refusals, this also covers an ``overloaded_error``
the stream sends before any content, which the SDK does not retry. If it keeps failing and a
fallback model is configured, the turn switches to it and says so (:class:`ModelSwitched`). Once
any event of the turn has been passed on, a failure is final: the turn ends with ``error``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from agent_core.errors import ModelError
from agent_core.llm.model import Model
from agent_core.llm.types import ModelEvent, ModelRequest, ModelSwitched

TRANSIENT = frozenset({"model_overloaded", "model_rate_limited", "model_unavailable"})


class Resilient:
    """``primary``, retried ``retries`` times before its first event, then ``fallback`` if any."""

    def __init__(
        self,
        primary: Model,
        fallback: Model | None = None,
        *,
        retries: int = 2,
        first_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._models = [primary, *([fallback] if fallback is not None else [])]
        self.retries = retries
        self.first_delay = first_delay
        self._sleep = sleep
        self._current = primary
        self._passed_on = False  # has any event of this turn been passed on?

    @property
    def name(self) -> str:
        return self._current.name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        if self._passed_on:
            async for event in self._current.stream(request):
                yield event
            return
        failure: ModelError | None = None
        for model in self._models[self._models.index(self._current) :]:
            if model is not self._current:
                yield ModelSwitched(model=model.name, reason=failure.code if failure else "model_error")
                self._current = model
            for attempt in range(self.retries + 1):
                try:
                    async for event in model.stream(request):
                        self._passed_on = True
                        yield event
                    return
                except ModelError as exc:
                    if self._passed_on or exc.code not in TRANSIENT:
                        raise
                    failure = exc
                    if attempt < self.retries:
                        await self._sleep(self.first_delay * 2**attempt)
        assert failure is not None
        raise failure
