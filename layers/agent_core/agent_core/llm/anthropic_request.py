"""The Messages API request body for a neutral :class:`ModelRequest` (no SDK import).

Messages go out exactly as they are in the request (the turn made them valid once, see
:mod:`agent_core.llm.history`): thinking blocks keep their text and signature, so the API's
verbatim rule for a tool cycle holds. Cache breakpoints sit on the tools, the system prompt and the
newest message, so each step of a turn reads the previous steps from the prompt cache (three of
the four the API allows).
"""

from __future__ import annotations

from typing import Any

from agent_core.llm.claude_models import thinking_params
from agent_core.llm.types import (
    ContentBlock,
    Message,
    ModelRequest,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
)

_EPHEMERAL: dict[str, str] = {"type": "ephemeral"}


def request_body(request: ModelRequest, model: str) -> dict[str, Any]:
    """The keyword arguments of ``messages.stream`` (the body, without ``stream``)."""
    tools = [
        {"name": spec.name, "description": spec.description, "input_schema": spec.input_schema}
        for spec in request.tools
    ]
    if tools:
        tools[-1]["cache_control"] = _EPHEMERAL
    messages = [message_param(message) for message in request.messages]
    if messages:
        _mark_newest(messages[-1]["content"])
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "system": [{"type": "text", "text": request.system, "cache_control": _EPHEMERAL}],
        "messages": messages,
    }
    if tools:
        body["tools"] = tools
    return body | thinking_params(model, request.thinking, request.max_tokens)


def message_param(message: Message) -> dict[str, Any]:
    return {"role": message.role, "content": [block_param(block) for block in message.content]}


def block_param(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ToolUseBlock):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if isinstance(block, ToolResultBlock):
        return {
            "type": "tool_result",
            "tool_use_id": block.tool_use_id,
            "content": block.content,
            "is_error": block.is_error,
        }
    if isinstance(block, ThinkingBlock):
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if isinstance(block, RedactedThinkingBlock):
        return {"type": "redacted_thinking", "data": block.data}
    return {"type": block.type, **block.fields}


def _mark_newest(content: list[dict[str, Any]]) -> None:
    """A breakpoint on the newest message's last block that can carry one (thinking cannot)."""
    for block in reversed(content):
        if block["type"] not in ("thinking", "redacted_thinking"):
            block["cache_control"] = _EPHEMERAL
            return
