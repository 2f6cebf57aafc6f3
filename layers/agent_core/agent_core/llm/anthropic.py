"""Claude through the Messages API: streaming, tool use, prompt caching, usage with cache tokens.

Importing this module imports the ``anthropic`` SDK (seconds of cold start): only the chat
function does, at init, where SnapStart keeps it out of the cold path.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic
import httpx2
from anthropic.lib.streaming import TextEvent
from anthropic.types import ContentBlock as ApiBlock
from anthropic.types import Message as ApiMessage

from agent_core.errors import ModelError
from agent_core.llm.anthropic_request import request_body
from agent_core.llm.types import (
    ContentBlock,
    ModelEvent,
    ModelFinished,
    ModelRequest,
    ProviderBlock,
    RedactedThinkingBlock,
    Refusal,
    TextBlock,
    TextChunk,
    ThinkingBlock,
    ToolUseBlock,
    Usage,
)
from agent_core.tenancy import Tenant

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
    # Bedrock's exceptions, as its event stream names them mid-answer (an HTTP 200 by then):
    # docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
    "throttlingException": "model_rate_limited",
    "serviceUnavailableException": "model_overloaded",
    "internalServerException": "model_unavailable",
    "modelStreamErrorException": "model_unavailable",
    "modelTimeoutException": "model_timeout",
    "validationException": "model_bad_request",
}


class AnthropicModel:
    """Claude through an SDK client: the Anthropic API, or Bedrock through the same client."""

    def __init__(
        self, client: anthropic.AsyncAnthropic | anthropic.AsyncAnthropicBedrock, *, model: str
    ) -> None:
        self.client = client
        self.model = model

    @property
    def name(self) -> str:
        return self.model

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        try:
            async with self.client.messages.stream(**request_body(request, self.model)) as stream:
                async for event in stream:
                    if isinstance(event, TextEvent):
                        yield TextChunk(text=event.text)
                final = await stream.get_final_message()
        except anthropic.APIStatusError as exc:
            raise ModelError(_status_message(exc), code=_status_code(exc)) from exc
        except (anthropic.APITimeoutError, httpx2.TimeoutException) as exc:
            raise ModelError("the model did not answer in time", code="model_timeout") from exc
        except (anthropic.APIConnectionError, httpx2.TransportError) as exc:
            # A stream cut mid-answer surfaces as the transport's own error, not the SDK's.
            raise ModelError(
                "the connection to the model provider was lost", code="model_unavailable"
            ) from exc
        yield finished(final)


def finished(final: ApiMessage) -> ModelFinished:
    """The SDK's final message as our last event: its content verbatim, usage, stop reason."""
    usage = final.usage
    details = final.stop_details
    return ModelFinished(
        stop_reason=final.stop_reason or "end_turn",
        usage=Usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
            cache_read_input_tokens=usage.cache_read_input_tokens or 0,
            thinking_tokens=usage.output_tokens_details.thinking_tokens if usage.output_tokens_details else 0,
        ),
        content=tuple(_block(block) for block in final.content),
        refusal=Refusal(category=details.category, explanation=details.explanation) if details else None,
    )


def _block(block: ApiBlock) -> ContentBlock:
    if block.type == "text":
        return TextBlock(text=block.text)
    if block.type == "tool_use":
        return ToolUseBlock(id=block.id, name=block.name, input=_as_dict(block.input))
    if block.type == "thinking":
        return ThinkingBlock(thinking=block.thinking, signature=block.signature)
    if block.type == "redacted_thinking":
        return RedactedThinkingBlock(data=block.data)
    return ProviderBlock(
        type=block.type, fields=block.model_dump(mode="json", exclude={"type"}, exclude_none=True)
    )


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
    body = exc.body if isinstance(exc.body, dict) else {}
    detail = exc.api_message or body.get("message") or f"HTTP {exc.status_code}"  # Bedrock: {"message"}
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
