"""The local offline model: deterministic, no key, no network.

It picks the read-only tool whose name and description best match the user's words, calls it,
and summarises the result. It says that it is the local model, so nobody mistakes it for a real one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from agent_core.ids import new_call_id
from agent_core.llm.types import (
    ModelEvent,
    ModelFinished,
    ModelRequest,
    TextChunk,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)

INTRO = "(Local offline model: set ANTHROPIC_API_KEY for a real one.)"
_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "show",
        "the",
        "to",
        "use",
        "what",
        "who",
        "with",
        "you",
    ]
)


class LocalModel:
    def __init__(self, *, chunk_pause_seconds: float = 0.01) -> None:
        self.chunk_pause_seconds = chunk_pause_seconds

    @property
    def name(self) -> str:
        return "local"

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        last = request.messages[-1] if request.messages else None
        results = [b for b in last.content if isinstance(b, ToolResultBlock)] if last else []
        if results:
            text = _summary(results, _tool_names(request))
        else:
            chosen = best_tool(last.text if last else "", request.tools)
            if chosen is not None:
                yield ToolUseRequested(id=new_call_id(), name=chosen.name, input={})
                yield ModelFinished(stop_reason="tool_use", usage=_usage(request, chosen.name))
                return
            text = _no_tool_answer(request)
        for chunk in _chunks(text):
            yield TextChunk(text=chunk)
            await asyncio.sleep(self.chunk_pause_seconds)
        yield ModelFinished(stop_reason="end_turn", usage=_usage(request, text))


def best_tool(question: str, tools: tuple[ToolSpec, ...]) -> ToolSpec | None:
    """The callable-without-arguments read-only tool that best matches ``question``.

    Its name named outright wins; then shared phrases (two words in a row) with its description,
    then shared words with its name, then with its description.
    """
    asked, asked_pairs = _words(question), _pairs(question)
    best: tuple[int, ToolSpec] | None = None
    for spec in tools:
        if not spec.read_only or spec.input_schema.get("required"):
            continue
        name = spec.name.replace("_", " ")
        score = 20 * (spec.name.lower() in question.lower())
        score += 5 * len(asked_pairs & (_pairs(spec.description) | _pairs(name)))
        score += 3 * len(asked & _words(name)) + len(asked & _words(spec.description))
        if score > 0 and (best is None or score > best[0]):
            best = (score, spec)
    return best[1] if best else None


def _words(text: str) -> set[str]:
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS}


def _pairs(text: str) -> set[tuple[str, str]]:
    words = [_stem(word) for word in _WORD.findall(text.lower())]
    return {pair for pair in itertools.pairwise(words) if not set(pair) <= _STOP_WORDS}


def _stem(word: str) -> str:
    """A crude English stem, enough for "reordering" to meet "reorder" and "alerts" "alert"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _tool_names(request: ModelRequest) -> dict[str, str]:
    return {
        block.id: block.name
        for message in request.messages
        for block in message.content
        if isinstance(block, ToolUseBlock)
    }


def _summary(results: list[ToolResultBlock], names: dict[str, str]) -> str:
    parts = [INTRO]
    for result in results:
        tool = names.get(result.tool_use_id, "the tool")
        if result.is_error:
            parts.append(f"`{tool}` failed: {result.content}")
        else:
            parts.append(f"Here is what `{tool}` returned:\n{_readable(result.content)}")
    return "\n\n".join(parts)


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
    names = ", ".join(f"`{spec.name}`" for spec in request.tools if spec.read_only)
    offer = f" I can call one of these tools if you name what you need: {names}." if names else ""
    return f"{INTRO} I cannot hold a real conversation offline.{offer}"


def _chunks(text: str, words_per_chunk: int = 4) -> list[str]:
    pieces = re.split(r"(\s+)", text)
    return ["".join(pieces[i : i + 2 * words_per_chunk]) for i in range(0, len(pieces), 2 * words_per_chunk)]


def _usage(request: ModelRequest, output: str) -> Usage:
    """A rough count (four characters a token): the local model has no tokenizer."""
    prompt = len(request.system) + sum(len(m.model_dump_json()) for m in request.messages)
    return Usage(input_tokens=prompt // 4 + 1, output_tokens=len(output) // 4 + 1)
