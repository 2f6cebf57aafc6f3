"""What the local offline model does next in a turn: call a tool (with which arguments), or stop.

A tool that takes arguments (any write, and reads that need an id) is chosen when the user's
message asks for it, by its verb ("create", "assign"), its name, or arguments that fit it, and
scores at least as well as the best read tool without arguments (:func:`best_tool`, which is
chosen otherwise). Its arguments come from the message (:mod:`agent_core.llm.local_arguments`);
an id it lacks comes from the tool its description names ("A project id from list_projects"),
called first, whose records are matched by name against the user's words. Each tool is called
at most once a turn; when there is nothing left to call, the model answers from the results.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agent_core.llm.local_arguments import Mentions, Property, fill, match_record, mentions
from agent_core.llm.local_words import best_tool, tool_score, words
from agent_core.llm.types import Message, ToolResultBlock, ToolSpec, ToolUseBlock

_VERB_BONUS = 10  # the tool's verb in the message ("create a task" → create_task)
_ARGUMENT_BONUS = 2  # per required argument the message itself gives


@dataclass(frozen=True)
class Call:
    tool: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Stuck:
    """The message asks for ``tool`` but does not give what it needs; ``reason`` says what to add."""

    tool: str
    reason: str


@dataclass(frozen=True)
class TurnSoFar:
    """The user's message that started this turn, and the tool calls made since, with their results."""

    question: str
    calls: tuple[tuple[ToolUseBlock, ToolResultBlock | None], ...] = ()

    @classmethod
    def of(cls, messages: tuple[Message, ...]) -> TurnSoFar:
        start = max(
            (i for i, m in enumerate(messages) if m.role == "user" and _asks(m)),
            default=len(messages),
        )
        question = messages[start].text if start < len(messages) else ""
        results = {
            block.tool_use_id: block
            for message in messages[start:]
            for block in message.content
            if isinstance(block, ToolResultBlock)
        }
        calls = tuple(
            (block, results.get(block.id))
            for message in messages[start:]
            for block in message.content
            if isinstance(block, ToolUseBlock)
        )
        return cls(question, calls)

    def called(self, tool: str) -> bool:
        return any(use.name == tool for use, _ in self.calls)

    def result_of(self, tool: str) -> Any:
        """The parsed JSON the tool returned this turn (``None``: not called, failed, or not JSON)."""
        for use, result in reversed(self.calls):
            if use.name == tool and result is not None and not result.is_error:
                try:
                    return json.loads(result.content)
                except ValueError:
                    return None
        return None


def next_step(turn: TurnSoFar, tools: tuple[ToolSpec, ...]) -> Call | Stuck | None:
    """The next tool call of this turn, why the one asked for cannot be made, or ``None``: answer."""
    said = mentions(turn.question)
    chosen = _asked_with_arguments(said, tools)
    read = best_tool(said.rest, tools)
    if chosen is not None and (read is None or chosen[0] >= tool_score(said.rest, read)):
        return None if turn.called(chosen[1].name) else _prepare(chosen[1], said, turn, tools)
    if read is not None and not turn.called(read.name):
        return Call(read.name, {})
    return None


def _asked_with_arguments(said: Mentions, tools: tuple[ToolSpec, ...]) -> tuple[int, ToolSpec] | None:
    """The tool that takes arguments which the message asks for most clearly, with its score."""
    best: tuple[int, ToolSpec] | None = None
    asked = words(said.rest)
    for spec in tools:
        if spec.read_only and not spec.input_schema.get("required"):
            continue  # best_tool's
        score = tool_score(said.rest, spec)
        by_verb = bool(words(spec.name.split("_", 1)[0]) & asked)
        given = fill(spec.input_schema, said).from_message
        if score == 0 or not (by_verb or given or spec.name in said.rest):
            continue
        score += _VERB_BONUS * by_verb + _ARGUMENT_BONUS * given
        if best is None or score > best[0]:
            best = (score, spec)
    return best


def _prepare(spec: ToolSpec, said: Mentions, turn: TurnSoFar, tools: tuple[ToolSpec, ...]) -> Call | Stuck:
    """``spec`` called with its arguments, or first the tool that finds an id it lacks."""
    known: dict[str, str] = {}
    missing = fill(spec.input_schema, said).missing
    sources = {prop.name: _source(prop, tools) if prop.kind == "id" else None for prop in missing}
    unfindable = [prop for prop in missing if sources[prop.name] is None]
    if unfindable:  # looking the others up would not be enough
        return Stuck(spec.name, "; ".join(_how_to_give(prop) for prop in unfindable))
    for prop in missing:
        source = sources[prop.name]
        assert source is not None
        if not turn.called(source.name):
            return Call(source.name, {})
        ignore = words(spec.name.replace("_", " ")) | words(source.name.replace("_", " "))
        record = match_record(turn.result_of(source.name), said.rest, ignore)
        if record is None:
            return Stuck(
                spec.name,
                f"nothing `{source.name}` returned matches the name in your message; name it as "
                f"`{source.name}` shows it, or give its {prop.name}",
            )
        known[prop.name] = record["id"]
    filled = fill(spec.input_schema, said, known)
    if filled.missing:
        return Stuck(spec.name, "; ".join(_how_to_give(prop) for prop in filled.missing))
    return Call(spec.name, filled.arguments)


def _source(prop: Property, tools: tuple[ToolSpec, ...]) -> ToolSpec | None:
    """The tool the property's description names as where its value comes from, if it can be called."""
    named = set(re.findall(r"[a-z][a-z0-9_]+", prop.description))
    return next(
        (t for t in tools if t.name in named and t.read_only and not t.input_schema.get("required")),
        None,
    )


def _how_to_give(prop: Property) -> str:
    how = {
        "text": "put it in quotes",
        "email": "write the email address",
        "date": "write it as YYYY-MM-DD",
        "url": "write the full http(s) URL",
        "id": "give the id",
        "choice": f"say one of {', '.join(prop.choices)}",
    }
    return f"{prop.name} ({how.get(prop.kind or '', 'which I cannot fill offline')})"


def _asks(message: Message) -> bool:
    """A user message with text: the one that starts a turn (tool results travel without text; a
    turn that failed may leave its results merged in front of the next question)."""
    return any(block.type == "text" for block in message.content)
