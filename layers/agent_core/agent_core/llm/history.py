"""A stored conversation made into the messages of a valid model request, once per turn.

What a session stored may not be sendable as it is: a turn may have failed before the model
answered (two user messages in a row), stopped inside a tool cycle (``max_steps``, the deadline, a
disconnect), been refused, or produced blank text. And on current Claude models every thinking
block is bound to exactly what preceded it (system prompt, tools, earlier messages), so a block
from an earlier turn fails the API's prefix check as soon as anything before it differs: a new
date in the system prompt, another tool selection, a trimmed history, another model.

So earlier turns go back without their thinking (the API allows leaving out the reasoning of
finished turns), and the thinking a turn produces is sent back verbatim within that turn only.
The rules below depend only on what was stored and on this turn's settings, so the prefix every
step of the turn sends is the same. Sources: platform.claude.com/docs — build-with-claude/
extended-thinking (tool use and thinking), build-with-claude/preserved-thinking/prefix-checks,
test-and-evaluate/strengthen-guardrails/handle-streaming-refusals (reset context after a refusal),
build-with-claude/tool-use (results first in the next user message).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from agent_core.llm.types import (
    Message,
    TextBlock,
    ToolResultBlock,
    ToolUseBlock,
)

INTERRUPTED = "the run stopped before this call finished"


def model_history(turns: Iterable[Sequence[Message]], *, thinking: bool, tools: bool) -> tuple[Message, ...]:
    """The conversation of ``turns`` (oldest first, the new user message last) as a model reads it.

    - a refused turn is left out whole (the API keeps refusing a context it refused);
    - results a run stored when it paused for a confirmation give way to those it stored when it
      resumed;
    - thinking is left out of every stored turn (see the module's docstring), and so are blocks
      of server tools, which this runtime never offers;
    - blank text is dropped; every ``tool_use`` gets its ``tool_result`` first in the next user
      message, and a result without its call is dropped;
    - tool blocks become text when the turn offers no tools (the API refuses tool blocks then),
      and so does a tool cycle left open by an earlier turn when thinking is on (the API would
      want that cycle's thinking, which is left out);
    - neighbours of the same role are merged, and the conversation starts with the user.
    """
    kept = [message for turn in turns if not _refused(turn) for message in turn]
    messages = _answered([_without_reasoning(message) for message in without_superseded_results(kept)])
    if not tools:
        messages = [_as_text(message) for message in messages]
    elif thinking:
        messages = _close_open_cycle(messages)
    merged = _merged(message for message in messages if message.content)
    while merged and merged[0].role != "user":
        merged.pop(0)
    return tuple(merged)


def without_superseded_results(messages: Sequence[Message]) -> list[Message]:
    """``messages`` without the results a run stored when it paused for a confirmation: a user
    message of tool results that the next user message gives again (the run, resumed, answered
    every call of that answer at once)."""
    kept: list[Message] = []
    for index, message in enumerate(messages):
        following = messages[index + 1] if index + 1 < len(messages) else None
        if (
            following is not None
            and message.role == following.role == "user"
            and _restated(message, following)
        ):
            continue
        kept.append(message)
    return kept


def _restated(message: Message, following: Message) -> bool:
    ids = {block.tool_use_id for block in message.content if isinstance(block, ToolResultBlock)}
    again = {block.tool_use_id for block in following.content if isinstance(block, ToolResultBlock)}
    return bool(ids) and len(ids) == len(message.content) and ids <= again


def _refused(turn: Sequence[Message]) -> bool:
    return any(message.stop_reason == "refusal" for message in turn)


def _without_reasoning(message: Message) -> Message:
    """Only what this runtime reads: text and its own tool blocks (no thinking, no server blocks)."""
    content = tuple(
        block
        for block in message.content
        if isinstance(block, ToolUseBlock | ToolResultBlock)
        or (isinstance(block, TextBlock) and block.text.strip())
    )
    return message.model_copy(update={"content": content})


def _answered(messages: list[Message]) -> list[Message]:
    """Every call answered first in the next user message; an answer without its call dropped."""
    out: list[Message] = []
    pending: tuple[ToolUseBlock, ...] = ()
    for message in messages:
        if message.role == "assistant":
            if pending:
                out.append(Message(role="user", content=_results(pending, {})))
            out.append(message)
            pending = message.tool_uses
            continue
        given = {block.tool_use_id: block for block in message.content if isinstance(block, ToolResultBlock)}
        others = tuple(block for block in message.content if not isinstance(block, ToolResultBlock))
        out.append(message.model_copy(update={"content": _results(pending, given) + others}))
        pending = ()
    if pending:
        out.append(Message(role="user", content=_results(pending, {})))
    return out


def _results(
    calls: tuple[ToolUseBlock, ...], given: dict[str, ToolResultBlock]
) -> tuple[ToolResultBlock, ...]:
    return tuple(
        given.get(call.id) or ToolResultBlock(tool_use_id=call.id, content=INTERRUPTED, is_error=True)
        for call in calls
    )


def _close_open_cycle(messages: list[Message]) -> list[Message]:
    """Turn the last tool cycle into text if the conversation would continue inside it."""
    last = max((i for i, m in enumerate(messages) if m.role == "assistant"), default=None)
    if last is None or not messages[last].tool_uses:
        return messages
    return [*messages[:last], *(_as_text(message) for message in messages[last:])]


def _as_text(message: Message) -> Message:
    content = tuple(
        TextBlock(text=_described(block)) if isinstance(block, ToolUseBlock | ToolResultBlock) else block
        for block in message.content
    )
    return message.model_copy(update={"content": content})


def _described(block: ToolUseBlock | ToolResultBlock) -> str:
    if isinstance(block, ToolUseBlock):
        return f"[called {block.name} with {json.dumps(block.input, ensure_ascii=False, sort_keys=True)}]"
    return f"[tool result{' (error)' if block.is_error else ''}: {block.content}]"


def _merged(messages: Iterable[Message]) -> list[Message]:
    """Neighbours of one role as one message; in a user message, tool results come first."""
    merged: list[Message] = []
    for message in messages:
        if not merged or merged[-1].role != message.role:
            merged.append(message)
            continue
        blocks = merged[-1].content + message.content
        if message.role == "user":
            blocks = tuple(b for b in blocks if isinstance(b, ToolResultBlock)) + tuple(
                b for b in blocks if not isinstance(b, ToolResultBlock)
            )
        merged[-1] = Message(role=message.role, content=blocks, stop_reason=message.stop_reason)
    return merged
