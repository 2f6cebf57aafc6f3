"""A metered model: each request's usage reported once, as it ends; its stream closed with it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent_core import ModelRequest, Usage
from agent_core.limits.metered import Metered
from agent_core.llm.scripted import ScriptedModel, say
from agent_core.llm.types import Message, ModelEvent

pytestmark = pytest.mark.anyio
REQUEST = ModelRequest(system="s", messages=(Message.user_text("hi"),), tools=(), max_tokens=100)


class Watched(ScriptedModel):
    def __init__(self) -> None:
        super().__init__([say("a", "b", usage=Usage(input_tokens=7, output_tokens=3))] * 2)
        self.closed = 0

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        try:
            async for event in super().stream(request):
                yield event
        finally:
            self.closed += 1


async def test_each_request_reports_its_usage_once_as_it_ends() -> None:
    model, reported, answers = Watched(), list[tuple[str, Usage]](), list[int]()
    metered = Metered(
        model, on_answer=lambda: answers.append(len(reported)), on_usage=lambda *u: reported.append(u)
    )

    events = [event async for event in metered.stream(REQUEST)]

    assert metered.name == "scripted" and len(events) == 3
    assert answers == [0]  # told once, at the first event, before the usage
    assert reported == [("scripted", Usage(input_tokens=7, output_tokens=3))]


async def test_a_stream_left_early_closes_the_providers_stream_at_once() -> None:
    model, reported = Watched(), list[tuple[str, Usage]]()
    stream = Metered(model, on_answer=lambda: None, on_usage=lambda *u: reported.append(u)).stream(REQUEST)

    await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]

    assert model.closed == 1  # now, not whenever the garbage collector gets to it
    assert reported == []  # a request that did not end reports no usage
