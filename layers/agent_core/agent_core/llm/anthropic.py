"""Claude through the Messages API: streaming, tool use, prompt caching, usage with cache tokens.

Importing this module imports the ``anthropic`` SDK (seconds of cold start): only the chat
function does, at init, where SnapStart keeps it out of the cold path.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic

from agent_core.errors import ModelError
from agent_core.llm.types import (
    Message,
    ModelEvent,
    ModelFinished,
    ModelRequest,
    TextBlock,
    TextChunk,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
    alternating,
)
from agent_core.tenancy import Tenant

_EPHEMERAL: dict[str, str] = {"type": "ephemeral"}

_CODES_BY_TYPE = {
    "overloaded_error": "model_overloaded",
    "rate_limit_error": "model_rate_limited",
    "authentication_error": "model_auth_failed",
    "permission_error": "model_auth_failed",
    "invalid_request_error": "model_bad_request",
    "request_too_large": "model_bad_request",
    "not_found_error": "model_bad_request",
    "api_error": "model_unavailable",
    "timeout_error": "model_timeout",
}


class AnthropicModel:
    def __init__(self, client: anthropic.AsyncAnthropic, *, model: str) -> None:
        self.client = client
        self.model = model

    @property
    def name(self) -> str:
        return self.model

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        try:
            async with self.client.messages.stream(**request_params(request, self.model)) as stream:
                async for event in stream:
                    if event.type == "text":
                        yield TextChunk(text=event.text)
                    elif event.type == "content_block_stop" and event.content_block.type == "tool_use":
                        block = event.content_block
                        yield ToolUseRequested(id=block.id, name=block.name, input=_as_dict(block.input))
                final = await stream.get_final_message()
        except anthropic.APIStatusError as exc:
            raise ModelError(_status_message(exc), code=_status_code(exc)) from exc
        except anthropic.APITimeoutError as exc:
            raise ModelError("the model did not answer in time", code="model_timeout") from exc
        except anthropic.APIConnectionError as exc:
            raise ModelError("the model provider could not be reached", code="model_unavailable") from exc
        usage = final.usage
        yield ModelFinished(
            stop_reason=final.stop_reason or "end_turn",
            usage=Usage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
                cache_read_input_tokens=usage.cache_read_input_tokens or 0,
            ),
        )


def request_params(request: ModelRequest, model: str) -> dict[str, Any]:
    """The Messages API body, with cache breakpoints on the tools, the system prompt and the
    newest message (so each step of a turn reads the previous steps from the cache)."""
    tools = [
        {"name": spec.name, "description": spec.description, "input_schema": spec.input_schema}
        for spec in request.tools
    ]
    if tools:
        tools[-1]["cache_control"] = _EPHEMERAL
    messages = [_message_param(m, keep_tool_blocks=bool(tools)) for m in alternating(request.messages)]
    if messages and messages[-1]["content"]:
        messages[-1]["content"][-1]["cache_control"] = _EPHEMERAL
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "system": [{"type": "text", "text": request.system, "cache_control": _EPHEMERAL}],
        "messages": messages,
    }
    if tools:
        params["tools"] = tools
    return params


def _message_param(message: Message, *, keep_tool_blocks: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for block in message.content:
        if isinstance(block, TextBlock):
            if block.text:
                content.append({"type": "text", "text": block.text})
        elif not keep_tool_blocks:
            # The API refuses tool blocks in a request that offers no tools: keep them as text.
            content.append({"type": "text", "text": _as_text(block)})
        elif isinstance(block, ToolUseBlock):
            content.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
        else:
            content.append(
                {
                    "type": "tool_result",
                    "tool_use_id": block.tool_use_id,
                    "content": block.content,
                    "is_error": block.is_error,
                }
            )
    if not content:
        content.append({"type": "text", "text": "…"})
    return {"role": message.role, "content": content}


def _as_text(block: ToolUseBlock | ToolResultBlock) -> str:
    if isinstance(block, ToolUseBlock):
        return f"[called {block.name} with {block.input}]"
    return f"[tool result{' (error)' if block.is_error else ''}: {block.content}]"


def _as_dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _status_code(exc: anthropic.APIStatusError) -> str:
    if exc.type in _CODES_BY_TYPE:
        return _CODES_BY_TYPE[exc.type]
    if exc.status_code in (401, 403):
        return "model_auth_failed"
    if exc.status_code == 429:
        return "model_rate_limited"
    if exc.status_code == 529:
        return "model_overloaded"
    return "model_bad_request" if exc.status_code < 500 else "model_unavailable"


def _status_message(exc: anthropic.APIStatusError) -> str:
    detail = exc.api_message or f"HTTP {exc.status_code}"
    return f"the model provider failed: {detail}"


class AnthropicProvider:
    """One ``AsyncAnthropic`` client per API key (the platform's, or a tenant's own), reused."""

    def __init__(self, *, model: str, platform_key: Callable[[], str | None]) -> None:
        self.model = model
        self.platform_key = platform_key
        self._clients: dict[str, anthropic.AsyncAnthropic] = {}

    def model_for(self, tenant: Tenant, tenant_secret: Callable[[], dict[str, Any]]) -> AnthropicModel:
        key = str(tenant_secret().get("anthropic_api_key") or "") or self.platform_key()
        if not key:
            raise ModelError("no Anthropic API key is configured", code="model_not_configured")
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        client = self._clients.get(fingerprint)
        if client is None:
            client = self._clients[fingerprint] = anthropic.AsyncAnthropic(api_key=key)
        return AnthropicModel(client, model=tenant.model or self.model)
