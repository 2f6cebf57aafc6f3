"""A model whose every request is priced and counted against its tenant's budget as it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from agent_core.llm.model import Model
from agent_core.llm.types import ModelEvent, ModelFinished, ModelRequest, Usage


class Metered:
    """``model``, telling ``on_usage`` (its name and the request's usage) when each request ends,
    and ``on_answer`` when the first event of each answer arrives (the request is out by then).

    Each request is priced on its own, as the provider bills it (a price may depend on the length
    of one request's prompt). A request that fails before it ends reports no usage, so it is not
    counted.
    """

    def __init__(
        self, model: Model, *, on_answer: Callable[[], None], on_usage: Callable[[str, Usage], None]
    ) -> None:
        self._model = model
        self._on_answer = on_answer
        self._on_usage = on_usage

    @property
    def name(self) -> str:
        return self._model.name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        events = self._model.stream(request)
        answering = False
        try:
            async for event in events:
                if not answering:
                    answering = True
                    self._on_answer()
                if isinstance(event, ModelFinished):
                    self._on_usage(self._model.name, event.usage)
                yield event
        finally:
            # Closed here, when this stream is: left to the garbage collector, the provider's
            # stream (and its connection) would be closed later, perhaps after its event loop.
            aclose = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
