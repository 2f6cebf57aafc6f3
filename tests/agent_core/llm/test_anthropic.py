"""Claude through the real SDK, against the loopback Messages API fake that enforces the API's rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent_core import Message, ModelError, ModelRequest, Tenant
from agent_core.llm.anthropic import AnthropicModel, AnthropicProvider
from agent_core.llm.types import (
    ModelEvent,
    ModelFinished,
    Refusal,
    TextBlock,
    TextChunk,
    Thinking,
    ThinkingBlock,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    Usage,
)
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
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


def model_for(
    secret: dict[str, Any] | None = None,
    *,
    key: str | None = "sk-platform",
    model: str = DEFAULT_ANTHROPIC_MODEL,
) -> AnthropicModel:
    provider = AnthropicProvider(model=model, platform_key=lambda: key)
    return provider.model_for(ACME, lambda: secret or {})


def request(
    *messages: Message, tools: tuple[ToolSpec, ...] = (TOOL,), thinking: Thinking | None = None
) -> ModelRequest:
    return ModelRequest(
        system="You help.",
        messages=messages or (Message.user_text("hi"),),
        tools=tools,
        max_tokens=2000,
        thinking=thinking or Thinking(),
    )


async def collect(model: AnthropicModel, req: ModelRequest) -> list[ModelEvent]:
    return [event async for event in model.stream(req)]


def finished(events: list[ModelEvent]) -> ModelFinished:
    last = events[-1]
    assert isinstance(last, ModelFinished)
    return last


async def test_text_streams_and_the_answer_comes_back_verbatim_with_its_usage(fake: FakeMessagesAPI) -> None:
    fake.reply_text(
        "Hello",
        ", world",
        input_tokens=12,
        output_tokens=40,
        cache_creation=1500,
        cache_read=300,
        thinking_tokens=25,
    )

    events = await collect(model_for(), request())

    assert events[:2] == [TextChunk(text="Hello"), TextChunk(text=", world")]
    end = finished(events)
    assert end.stop_reason == "end_turn"
    assert end.usage == Usage(
        input_tokens=12,
        output_tokens=40,
        cache_creation_input_tokens=1500,
        cache_read_input_tokens=300,
        thinking_tokens=25,
    )
    thought, text = end.content or ()
    assert isinstance(thought, ThinkingBlock) and thought.signature and thought.thinking == ""  # omitted
    assert text == TextBlock(text="Hello, world")
    assert fake.refusals == []


async def test_a_tool_use_arrives_whole_with_its_input_parsed(fake: FakeMessagesAPI) -> None:
    fake.reply_tool_use(
        "lookup_order", {"order_id": "A-1", "lines": [1, 2]}, tool_use_id="toolu_42", text="Checking."
    )

    end = finished(await collect(model_for(), request()))

    assert end.stop_reason == "tool_use"
    assert (end.content or ())[-1] == ToolUseBlock(
        id="toolu_42", name="lookup_order", input={"order_id": "A-1", "lines": [1, 2]}
    )


async def test_a_tool_cycle_sends_the_answer_back_verbatim_and_the_api_accepts_it(
    fake: FakeMessagesAPI,
) -> None:
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, tool_use_id="toolu_1")
    fake.reply_text("The total is 42.")
    model = model_for()
    asked = Message.user_text("find A-1")

    first = finished(await collect(model, request(asked)))
    answer = Message(role="assistant", content=first.content or (), stop_reason=first.stop_reason)
    result = Message(role="user", content=(ToolResultBlock(tool_use_id="toolu_1", content='{"total":42}'),))
    second = finished(await collect(model, request(asked, answer, result)))

    assert second.content and second.content[-1] == TextBlock(text="The total is 42.")
    assert fake.refusals == []
    sent = fake.requests[1].body["messages"][1]["content"]
    assert [block["type"] for block in sent] == ["thinking", "tool_use"]


async def test_the_request_caches_tools_system_and_the_newest_message_and_omits_thinking_text(
    fake: FakeMessagesAPI,
) -> None:
    fake.reply_text("ok")
    history = (
        Message.user_text("find A-1"),
        Message(
            role="assistant",
            content=(ToolUseBlock(id="toolu_1", name="lookup_order", input={"order_id": "A-1"}),),
        ),
        Message(role="user", content=(ToolResultBlock(tool_use_id="toolu_1", content='{"total":42}'),)),
    )

    await collect(model_for(), request(*history, thinking=Thinking(mode="disabled", effort="low")))

    sent = fake.requests[0]
    assert sent.api_key == "sk-platform"
    body = sent.body
    assert (body["model"], body["max_tokens"], body["stream"]) == (DEFAULT_ANTHROPIC_MODEL, 2000, True)
    assert body["system"] == [{"type": "text", "text": "You help.", "cache_control": {"type": "ephemeral"}}]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert repr(body).count("cache_control") == 3
    # Sonnet 5.5 refuses "disabled": its lowest setting is between_tools (whats-new-sonnet-5-5).
    assert (body["thinking"], body["output_config"]) == ({"type": "between_tools"}, {"effort": "low"})
    assert fake.refusals == []


@pytest.mark.parametrize(
    ("model", "thinking", "expected"),
    [
        ("claude-sonnet-5-5", Thinking(effort="medium"), {"type": "adaptive", "display": "omitted"}),
        ("claude-sonnet-5", Thinking(mode="disabled"), {"type": "disabled"}),
        ("claude-opus-5-5", Thinking(mode="disabled"), {"type": "adaptive", "display": "omitted"}),
        ("claude-haiku-4-5", Thinking(), {"type": "enabled", "budget_tokens": 1024}),
    ],
)
async def test_each_model_gets_thinking_settings_it_accepts(
    fake: FakeMessagesAPI, model: str, thinking: Thinking, expected: dict[str, Any]
) -> None:
    fake.reply_text("ok")

    await collect(model_for(model=model), request(thinking=thinking))

    assert fake.requests[0].body["thinking"] == expected
    assert fake.refusals == []


async def test_a_refusal_ends_the_answer_and_says_why(fake: FakeMessagesAPI) -> None:
    fake.reply_refusal("I can", category="cyber", explanation="This request was declined.")

    end = finished(await collect(model_for(), request()))

    assert end.stop_reason == "refusal"
    assert end.refusal == Refusal(category="cyber", explanation="This request was declined.")


async def test_a_tool_call_cut_by_max_tokens_arrives_with_that_stop_reason(fake: FakeMessagesAPI) -> None:
    fake.reply_tool_use_cut("lookup_order", {"order_id": "A-1234567"}, pieces=1)

    end = finished(await collect(model_for(), request()))

    assert end.stop_reason == "max_tokens"


@pytest.mark.parametrize("stop", ["stop_sequence", "model_context_window_exceeded"])
async def test_other_stop_reasons_arrive_as_the_api_says(fake: FakeMessagesAPI, stop: str) -> None:
    fake.reply_stop(stop, "Done", stop_sequence="END" if stop == "stop_sequence" else None)

    assert finished(await collect(model_for(), request())).stop_reason == stop


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


async def test_a_connection_cut_mid_answer_is_the_provider_unavailable(fake: FakeMessagesAPI) -> None:
    fake.reply_disconnect("Partial answer that never ends")

    with pytest.raises(ModelError) as failure:
        await collect(model_for(), request())

    assert failure.value.code == "model_unavailable"


async def test_a_request_the_api_refuses_is_a_bad_request_naming_the_rule(fake: FakeMessagesAPI) -> None:
    dangling = Message(role="assistant", content=(ToolUseBlock(id="toolu_1", name="lookup_order", input={}),))

    with pytest.raises(ModelError) as failure:
        await collect(model_for(), request(Message.user_text("hi"), dangling, Message.user_text("and?")))

    assert failure.value.code == "model_bad_request"
    assert "without `tool_result` blocks immediately after" in failure.value.message


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
