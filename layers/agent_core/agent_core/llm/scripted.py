"""A scripted model: plays back prepared steps and records what it was asked. For tests and demos."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence

from agent_core.errors import ModelError
from agent_core.ids import new_call_id
from agent_core.llm.types import (
    ModelEvent,
    ModelFinished,
    ModelRequest,
    TextChunk,
    ToolUseRequested,
    Usage,
)

Step = Sequence[ModelEvent | BaseException]


def say(*chunks: str, usage: Usage | None = None) -> list[ModelEvent | BaseException]:
    """A step that answers with text, streamed in the given chunks."""
    return [
        *(TextChunk(text=chunk) for chunk in chunks),
        ModelFinished(
            stop_reason="end_turn", usage=usage or Usage(input_tokens=10, output_tokens=len(chunks))
        ),
    ]


def call(
    tool: str, arguments: dict[str, object] | None = None, *, call_id: str | None = None, text: str = ""
) -> list[ModelEvent | BaseException]:
    """A step that (optionally says something, then) calls one tool."""
    events: list[ModelEvent | BaseException] = [TextChunk(text=text)] if text else []
    events.append(ToolUseRequested(id=call_id or new_call_id(), name=tool, input=dict(arguments or {})))
    events.append(ModelFinished(stop_reason="tool_use", usage=Usage(input_tokens=10, output_tokens=5)))
    return events


class ScriptedModel:
    """Yields its steps in order, one per model call; an exception in a step is raised there."""

    def __init__(self, steps: Iterable[Step], *, name: str = "scripted", pause_seconds: float = 0.0) -> None:
        self._steps = list(steps)
        self._name = name
        self.pause_seconds = pause_seconds
        self.requests: list[ModelRequest] = []

    @property
    def name(self) -> str:
        return self._name

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        self.requests.append(request)
        if not self._steps:
            raise ModelError("the scripted model has no step left", code="model_error")
        for item in self._steps.pop(0):
            if self.pause_seconds:
                await asyncio.sleep(self.pause_seconds)
            if isinstance(item, BaseException):
                raise item
            yield item
