"""Claude through the real SDK, against a loopback fake that speaks the Messages API's SSE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent_core import Message, ModelError, ModelRequest, Tenant
from agent_core.llm.anthropic import AnthropicModel, AnthropicProvider
from agent_core.llm.types import (
    ModelEvent,
    ModelFinished,
    TextBlock,
    TextChunk,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)
from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api

pytestmark = pytest.mark.anyio

ACME = Tenant(tenant_id="acme", name="Acme Corporation")
TOOL = ToolSpec(
    name="lookup_order",
    description="Find an order.",
    input_schema={"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key="sk-platform") as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        yield api


def model_for(secret: dict[str, Any] | None = None, *, key: str | None = "sk-platform") -> AnthropicModel:
    provider = AnthropicProvider(model="claude-test", platform_key=lambda: key)
    return provider.model_for(ACME, lambda: secret or {})


def request(*messages: Message, tools: tuple[ToolSpec, ...] = (TOOL,)) -> ModelRequest:
    return ModelRequest(
        system="You help.", messages=messages or (Message.user_text("hi"),), tools=tools, max_tokens=500
    )


async def collect(model: AnthropicModel, req: ModelRequest) -> list[ModelEvent]:
    return [event async for event in model.stream(req)]


async def test_text_streams_and_usage_includes_cache_tokens(fake: FakeMessagesAPI) -> None:
    fake.reply_text("Hello", ", world", input_tokens=12, output_tokens=4, cache_creation=1500, cache_read=300)

    events = await collect(model_for(), request())

    assert events == [
        TextChunk(text="Hello"),
        TextChunk(text=", world"),
        ModelFinished(
            stop_reason="end_turn",
            usage=Usage(
                input_tokens=12,
                output_tokens=4,
                cache_creation_input_tokens=1500,
                cache_read_input_tokens=300,
            ),
        ),
    ]


async def test_a_tool_use_arrives_whole_with_its_input_parsed(fake: FakeMessagesAPI) -> None:
    fake.reply_tool_use(
        "lookup_order", {"order_id": "A-1", "lines": [1, 2]}, tool_use_id="toolu_42", text="Checking."
    )

    events = await collect(model_for(), request())

    assert events[:2] == [
        TextChunk(text="Checking."),
        ToolUseRequested(id="toolu_42", name="lookup_order", input={"order_id": "A-1", "lines": [1, 2]}),
    ]
    finished = events[2]
    assert isinstance(finished, ModelFinished) and finished.stop_reason == "tool_use"


async def test_the_request_caches_tools_system_and_the_newest_message(fake: FakeMessagesAPI) -> None:
    fake.reply_text("ok")
    history = (
        Message.user_text("find A-1"),
        Message(
            role="assistant",
            content=(ToolUseBlock(id="toolu_1", name="lookup_order", input={"order_id": "A-1"}),),
        ),
        Message(role="user", content=(ToolResultBlock(tool_use_id="toolu_1", content='{"total":42}'),)),
    )

    await collect(model_for(), request(*history))

    sent = fake.requests[0]
    assert sent.api_key == "sk-platform"
    body = sent.body
    assert (body["model"], body["max_tokens"], body["stream"]) == ("claude-test", 500, True)
    assert body["system"] == [{"type": "text", "text": "You help.", "cache_control": {"type": "ephemeral"}}]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1] == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": '{"total":42}',
        "is_error": False,
        "cache_control": {"type": "ephemeral"},
    }
    assert repr(body).count("cache_control") == 3


async def test_without_tools_earlier_tool_blocks_are_sent_as_text(fake: FakeMessagesAPI) -> None:
    fake.reply_text("ok")
    history = (
        Message.user_text("find A-1"),
        Message(role="assistant", content=(ToolUseBlock(id="toolu_1", name="lookup_order", input={}),)),
        Message(
            role="user",
            content=(ToolResultBlock(tool_use_id="toolu_1", content="42"), TextBlock(text="thanks")),
        ),
    )

    await collect(model_for(), request(*history, tools=()))

    body = fake.requests[0].body
    assert "tools" not in body
    assert "tool_use" not in repr(body["messages"])
    assert body["messages"][2]["content"][0]["text"] == "[tool result: 42]"


async def test_consecutive_user_messages_are_merged(fake: FakeMessagesAPI) -> None:
    fake.reply_text("ok")

    await collect(
        model_for(), request(Message.user_text("first (its turn failed)"), Message.user_text("second"))
    )

    messages = fake.requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["user"]
    assert [c["text"] for c in messages[0]["content"]] == ["first (its turn failed)", "second"]


async def test_an_overloaded_error_mid_stream_is_a_model_error_after_the_text(fake: FakeMessagesAPI) -> None:
    fake.reply_overloaded_midstream("Let me")
    seen: list[ModelEvent] = []

    with pytest.raises(ModelError) as failure:
        async for event in model_for().stream(request()):
            seen.append(event)

    assert seen == [TextChunk(text="Let me")]
    assert failure.value.code == "model_overloaded"
    assert "Overloaded" in failure.value.message
    assert len(fake.requests) == 1, "an error event mid-stream is not retried"


async def test_a_wrong_key_is_an_auth_failure(fake: FakeMessagesAPI) -> None:
    with pytest.raises(ModelError) as failure:
        await collect(model_for(key="sk-wrong"), request())
    assert failure.value.code == "model_auth_failed"


async def test_a_tenant_that_brings_its_own_key_uses_it(fake: FakeMessagesAPI) -> None:
    fake.api_key = "sk-tenant-own"
    fake.reply_text("ok")

    await collect(model_for({"anthropic_api_key": "sk-tenant-own"}), request())

    assert fake.requests[0].api_key == "sk-tenant-own"


async def test_no_key_anywhere_is_reported_as_not_configured() -> None:
    with pytest.raises(ModelError) as failure:
        model_for(key=None)
    assert failure.value.code == "model_not_configured"


async def test_an_unreachable_provider_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_messages_api() as api:
        closed = api.base_url
    monkeypatch.setenv("ANTHROPIC_BASE_URL", closed)
    model = model_for()
    model.client = model.client.with_options(max_retries=0)

    with pytest.raises(ModelError) as failure:
        await collect(model, request())
    assert failure.value.code == "model_unavailable"
