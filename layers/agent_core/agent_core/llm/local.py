"""The local offline model: deterministic, no key, no network.

It calls the tool the user's words ask for (:mod:`agent_core.llm.local_plan`): the read-only tool
that best matches them, or a tool that takes arguments, a write included, when the message names
what it needs ("create a task 'Ship it' in project Website redesign", "assign task T-12 to
bob@example.com"), looking an id up first when the message gives a name. Then it summarises what
the tools returned. It says that it is the local model, so nobody mistakes it for a real one.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from agent_core.ids import new_call_id
from agent_core.llm.local_plan import Call, Stuck, TurnSoFar, next_step
from agent_core.llm.local_words import best_tool
from agent_core.llm.types import (
    ModelEvent,
    ModelFinished,
    ModelRequest,
    TextChunk,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)

__all__ = ["INTRO", "LocalModel", "best_tool"]

INTRO = "(Local offline model: set ANTHROPIC_API_KEY for a real one.)"


class LocalModel:
    def __init__(self, *, chunk_pause_seconds: float = 0.01) -> None:
        self.chunk_pause_seconds = chunk_pause_seconds

    @property
    def name(self) -> str:
        return "local"

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        turn = TurnSoFar.of(request.messages)
        step = next_step(turn, request.tools)
        if isinstance(step, Call):
            yield ToolUseRequested(id=new_call_id(), name=step.tool, input=step.arguments)
            yield ModelFinished(stop_reason="tool_use", usage=_usage(request, step.tool))
            return
        text = _answer(request, turn, step)
        for chunk in _chunks(text):
            yield TextChunk(text=chunk)
            await asyncio.sleep(self.chunk_pause_seconds)
        yield ModelFinished(stop_reason="end_turn", usage=_usage(request, text))


def _answer(request: ModelRequest, turn: TurnSoFar, stuck: Stuck | None) -> str:
    last = request.messages[-1] if request.messages else None
    results = [b for b in last.content if isinstance(b, ToolResultBlock)] if last else []
    parts = [INTRO]
    if stuck is not None:
        parts.append(f"To call `{stuck.tool}` I need more from your message: {stuck.reason}.")
    if results:
        uses = {use.id: use for use, _ in turn.calls}
        parts += [_summary(result, uses.get(result.tool_use_id)) for result in results]
    elif stuck is None:
        parts.append(_no_tool_answer(request))
    return "\n\n".join(parts)


def _summary(result: ToolResultBlock, use: ToolUseBlock | None) -> str:
    tool = f"`{use.name}`" if use else "the tool"
    if use and use.input:
        tool += f" ({_inline(use.input)})"
    if result.is_error:
        return f"{tool} failed: {result.content}"
    return f"Here is what {tool} returned:\n{_readable(result.content)}"


def _readable(content: str) -> str:
    try:
        value: Any = json.loads(content)
    except ValueError:
        return content
    if isinstance(value, dict):
        return "\n".join(f"- {key}: {_inline(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(f"- {_inline(item)}" for item in value[:20])
    return _inline(value)


def _inline(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        rows = value[:20]
        more = f"\n  - … and {len(value) - len(rows)} more" if len(value) > len(rows) else ""
        return "".join(f"\n  - {_inline(item)}" for item in rows) + more
    if isinstance(value, list):
        return ", ".join(_inline(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_inline(item)}" for key, item in value.items())
    return str(value)


def _no_tool_answer(request: ModelRequest) -> str:
    reads = ", ".join(f"`{spec.name}`" for spec in request.tools if spec.read_only)
    writes = ", ".join(f"`{spec.name}`" for spec in request.tools if not spec.read_only)
    offer = f" I can call one of these tools if you name what you need: {reads}." if reads else ""
    if writes:
        offer += (
            f" I can also call {writes} when your message gives what they need "
            "(quoted text for a title, ids like p-101, emails, dates as YYYY-MM-DD)."
        )
    return f"I cannot hold a real conversation offline.{offer}"


def _chunks(text: str, words_per_chunk: int = 4) -> list[str]:
    pieces = re.split(r"(\s+)", text)
    return ["".join(pieces[i : i + 2 * words_per_chunk]) for i in range(0, len(pieces), 2 * words_per_chunk)]


def _usage(request: ModelRequest, output: str) -> Usage:
    """A rough count (four characters a token): the local model has no tokenizer."""
    prompt = len(request.system) + sum(len(m.model_dump_json()) for m in request.messages)
    return Usage(input_tokens=prompt // 4 + 1, output_tokens=len(output) // 4 + 1)
