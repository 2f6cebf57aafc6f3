"""The scripted model that notes how many AWS calls had been made when each request went out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from agent_core.llm.types import ModelEvent, ModelRequest
from tests.fakes.scripted_model import ScriptedModel
from tests.support.aws_calls import AwsCalls


class CountingModel(ScriptedModel):
    """A :class:`ScriptedModel` whose ``calls_before[i]`` is the AWS call count at request ``i``."""

    def __init__(self, steps: Any, calls: AwsCalls) -> None:
        super().__init__(steps)
        self.calls = calls
        self.calls_before: list[int] = []

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        self.calls_before.append(self.calls.count())
        async for event in super().stream(request):
            yield event
