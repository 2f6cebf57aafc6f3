"""The Messages API fake, driven by the real SDK: it accepts what the API accepts and refuses the rest."""

from __future__ import annotations

import copy
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import Message

from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api
from tests.fakes.messages_rules import ApiRefusal, check_request
from tests.fakes.messages_stream import ToolCall
from tests.fakes.model_profiles import profile_for
from tests.fakes.thinking_config import BINDING_BETA
from tests.fakes.thinking_signer import Signer

pytestmark = pytest.mark.anyio

KEY = "sk-ant-fake"
SONNET = "claude-sonnet-5-5"
SYSTEM = "You look orders up."
TOOLS: list[dict[str, Any]] = [
    {
        "name": "lookup_order",
        "description": "Find an order by id.",
        "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}},
    }
]


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key=KEY) as api:
        yield api


@pytest.fixture
async def client(fake: FakeMessagesAPI) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(base_url=fake.base_url, api_key=KEY, max_retries=0) as sdk:
        yield sdk


async def answer(client: anthropic.AsyncAnthropic, messages: list[Any], **params: Any) -> Message:
    request: dict[str, Any] = {"model": SONNET, "max_tokens": 4000, "system": SYSTEM, "tools": TOOLS}
    async with client.messages.stream(**{**request, **params}, messages=messages) as stream:
        return await stream.get_final_message()


def as_dicts(message: Message) -> dict[str, Any]:
    return {"role": "assistant", "content": [block.to_dict() for block in message.content]}


RESULT: dict[str, Any] = {
    "role": "user",
    "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"}],
}
USER = {"role": "user", "content": "Hi"}
ASSISTANT = {"role": "assistant", "content": "Hello."}
TOOL_USE = {
    "role": "assistant",
    "content": [{"type": "tool_use", "id": "toolu_9", "name": "lookup_order", "input": {}}],
}
TOOL_RESULT = {"type": "tool_result", "tool_use_id": "toolu_9", "content": "42"}
CACHED = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}


async def tool_cycle(fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic, **params: Any) -> list[Any]:
    """Ask, get thinking + a tool call, send the result, get thinking + the answer: the whole history."""
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, tool_use_id="toolu_1", text="Checking.")
    fake.reply_text("Order A-1 totals 42.")
    history: list[Any] = [{"role": "user", "content": "What does order A-1 total?"}]
    history += [as_dicts(await answer(client, history, **params)), RESULT]
    history.append(as_dicts(await answer(client, history, **params)))
    return history


async def refused(client: anthropic.AsyncAnthropic, **params: Any) -> anthropic.APIStatusError:
    with pytest.raises(anthropic.APIStatusError) as failure:
        async with client.messages.stream(**params) as stream:
            await stream.get_final_message()
    return failure.value


def said(error: anthropic.APIStatusError) -> str:
    """The API's own message, from the error body."""
    return error.api_message or ""


# The valid path --------------------------------------------------------------------------------


async def test_a_tool_cycle_with_thinking_passes_when_each_answer_goes_back_verbatim(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, tool_use_id="toolu_1", text="Checking.")
    fake.reply_text("Order A-1 totals 42.")
    history: list[Any] = [{"role": "user", "content": "What does order A-1 total?"}]

    first = await answer(client, history)
    history += [first.to_param(), RESULT]
    second = await answer(client, history)

    assert [b.type for b in first.content] == ["thinking", "text", "tool_use"]
    thinking = first.content[0]
    assert thinking.type == "thinking" and thinking.thinking == "" and thinking.signature  # display omitted
    assert [b.type for b in second.content] == ["thinking", "text"]
    assert fake.refusals == []


async def test_stripping_all_thinking_from_completed_turns_is_accepted(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    stripped = [
        {**m, "content": [b for b in m["content"] if b["type"] != "thinking"]}
        if m["role"] == "assistant"
        else m
        for m in history
    ]
    fake.reply_text("A-2 totals 7.")

    reply = await answer(client, [*stripped, {"role": "user", "content": "And A-2?"}])

    assert reply.stop_reason == "end_turn" and fake.refusals == []


async def test_moving_cache_breakpoints_does_not_count_as_an_edit(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    history[0] = {"role": "user", "content": [{"type": "text", "text": history[0]["content"]}]}
    history[0]["content"][0]["cache_control"] = {"type": "ephemeral"}
    fake.reply_text("Still 42.")

    await answer(client, [*history, {"role": "user", "content": "Sure?"}])

    assert fake.refusals == []


# Thinking blocks bound to their conversation (claude-sonnet-5-5 binds them) ----------------------


async def test_a_signature_altered_by_one_character_is_refused(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    signature = history[3]["content"][0]["signature"]
    history[3]["content"][0]["signature"] = signature[:-1] + ("A" if signature[-1] != "A" else "B")

    error = await refused(client, model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS,
                          messages=[*history, {"role": "user", "content": "Thanks"}])  # fmt: skip

    assert error.status_code == 400
    assert said(error).endswith("messages.3.content.0: Invalid `signature` in `thinking` block")


async def test_dropping_the_thinking_block_inside_a_tool_cycle_is_refused(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    without = [history[0], {**history[1], "content": history[1]["content"][1:]}, history[2]]

    error = await refused(client, model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS, messages=without)

    assert error.status_code == 400
    assert (
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. "
        "When `thinking` is enabled, a final `assistant` message must start with a thinking block"
    ) in said(error)


@pytest.mark.parametrize(
    ("edit", "path", "named"),
    [
        ("system", "messages.1.content.0", "The `system` prompt differs"),
        ("tools", "messages.1.content.0", "The `tools` list differs"),
        ("first message", "messages.1.content.0", "A message before the block differs"),
        ("tool result", "messages.3.content.0", "A message before the block differs"),
    ],
)
async def test_changing_what_came_before_a_thinking_block_fails_the_prefix_check(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic, edit: str, path: str, named: str
) -> None:
    history = await tool_cycle(fake, client)
    system, tools = SYSTEM, copy.deepcopy(TOOLS)
    if edit == "system":
        system = "You look orders up. Today is Tuesday."
    elif edit == "tools":
        tools[0]["description"] = "Find an order."
    elif edit == "first message":
        history[0] = {"role": "user", "content": "What does order A-1 cost?"}
    else:
        history[2] = {"role": "user", "content": [{**RESULT["content"][0], "content": "4"}]}

    error = await refused(client, model=SONNET, max_tokens=100, system=system, tools=tools,
                          messages=[*history, {"role": "user", "content": "Thanks"}])  # fmt: skip

    assert error.status_code == 400
    assert said(error).startswith(
        f"{path}: Invalid `signature` in `thinking` block. The block is bound to a different conversation. "
        'Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` to "drop_block".'
    )
    assert BINDING_BETA in said(error) and named in said(error)


async def test_leaving_out_a_thinking_block_between_others_fails_the_prefix_check(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    fake.reply_text("A-2 totals 7.")
    history += [{"role": "user", "content": "And A-2?"}]
    history.append(as_dicts(await answer(client, history)))
    history[3] = {**history[3], "content": history[3]["content"][1:]}  # the middle one of three

    error = await refused(client, model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS,
                          messages=[*history, {"role": "user", "content": "Thanks"}])  # fmt: skip

    assert said(error).startswith("messages.5.content.0: Invalid `signature` in `thinking` block")
    assert "An earlier thinking block is missing or out of order." in said(error)


async def test_drop_block_drops_the_stale_blocks_and_reports_them_on_message_start(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client)
    fake.reply_text("Still 42.")

    async with client.beta.messages.stream(
        model=SONNET, max_tokens=100, system="A new system prompt.", tools=TOOLS,  # type: ignore[arg-type]
        messages=[*history, {"role": "user", "content": "Sure?"}],
        thinking={"type": "adaptive", "block_binding": {"prefix_mismatch_behavior": "drop_block"}},
        betas=[BINDING_BETA],
    ) as stream:  # fmt: skip
        reply = await stream.get_final_message()

    assert [(t.type, t.path, t.reason) for t in reply.input_transformations or []] == [
        ("thinking_dropped", "messages.1.content.0", "prefix_binding_mismatch"),
        ("thinking_dropped", "messages.3.content.0", "prefix_binding_mismatch"),
    ]
    assert fake.refusals == []


async def test_block_binding_needs_the_beta_header(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    binding = {"type": "adaptive", "block_binding": {"prefix_mismatch_behavior": "drop_block"}}

    error = await refused(
        client, model=SONNET, max_tokens=100, messages=[USER], extra_body={"thinking": binding}
    )

    assert said(error) == "thinking.adaptive.block_binding: Extra inputs are not permitted"


async def test_blocks_of_a_model_the_target_cannot_read_are_dropped_without_an_error(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client, model="claude-opus-5-5")
    fake.reply_text("42.")

    async with client.beta.messages.stream(
        model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS,  # type: ignore[arg-type]
        messages=[*history, {"role": "user", "content": "Sure?"}], betas=[BINDING_BETA],
    ) as stream:  # fmt: skip
        reply = await stream.get_final_message()

    assert {(t.path, t.reason) for t in reply.input_transformations or []} == {
        ("messages.1.content.0", "model_binding_mismatch"),
        ("messages.3.content.0", "model_binding_mismatch"),
    }


async def test_haiku_5_5_blocks_replay_on_another_model(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    history = await tool_cycle(fake, client, model="claude-haiku-5-5")
    fake.reply_text("42.")

    async with client.beta.messages.stream(
        model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS,  # type: ignore[arg-type]
        messages=[*history, {"role": "user", "content": "Sure?"}], betas=[BINDING_BETA],
    ) as stream:  # fmt: skip
        reply = await stream.get_final_message()

    assert reply.input_transformations == []


async def test_forged_redacted_thinking_data_is_refused(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_text("Hello.", redacted=True)
    first = await answer(client, [{"role": "user", "content": "Hi"}])
    assert [b.type for b in first.content] == ["thinking", "redacted_thinking", "text"]
    assistant = as_dicts(first)
    assistant["content"][1]["data"] = assistant["content"][1]["data"][:-2] + "xx"

    again = {"role": "user", "content": "Again"}

    error = await refused(client, model=SONNET, max_tokens=100, messages=[USER, assistant, again])

    assert said(error) == "messages.1.content.1: Invalid `data` in `redacted_thinking` block"


async def test_editing_shown_thinking_text_in_the_latest_assistant_message_is_refused(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, tool_use_id="toolu_1")
    history: list[Any] = [{"role": "user", "content": "What does order A-1 total?"}]
    first = as_dicts(await answer(client, history, thinking={"type": "adaptive", "display": "summarized"}))
    assert first["content"][0]["thinking"]
    first["content"][0]["thinking"] += " (edited)"

    error = await refused(client, model=SONNET, max_tokens=100, system=SYSTEM, tools=TOOLS,
                          messages=[*history, first, RESULT])  # fmt: skip

    assert said(error) == (
        "messages.1.content.0: `thinking` or `redacted_thinking` blocks in the latest assistant message "
        "cannot be modified. These blocks must remain as they were in the original response."
    )


# Refusal rules, one request each ----------------------------------------------------------------


def case(name: str, wording: str, status: int = 400, **overrides: Any) -> Any:
    return pytest.param(overrides, status, wording, id=name)


ENABLED = {"type": "enabled", "budget_tokens": 2000}
REFUSALS = [
    case("unknown model", "model: claude-test", 404, model="claude-test"),
    case("first message not user", 'first message must use the "user" role', messages=[ASSISTANT, USER]),
    case("roles do not alternate", 'found multiple "user" roles in a row', messages=[USER, USER]),
    case(
        "tool_use not answered",
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_9.",
        tools=TOOLS,
        messages=[USER, TOOL_USE, USER],
    ),
    case(
        "tool_result not first",
        "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_9",
        tools=TOOLS,
        messages=[
            USER,
            TOOL_USE,
            {"role": "user", "content": [{"type": "text", "text": "Here:"}, TOOL_RESULT]},
        ],
    ),
    case(
        "tool_result without its tool_use",
        "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9.",
        tools=TOOLS,
        messages=[USER, ASSISTANT, {"role": "user", "content": [TOOL_RESULT]}],
    ),
    case(
        "tool blocks without tools",
        "Requests which include `tool_use` or `tool_result` blocks must define tools.",
        messages=[USER, TOOL_USE, {"role": "user", "content": [TOOL_RESULT]}],
    ),
    case(
        "five cache breakpoints",
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
        system=[CACHED, CACHED],
        messages=[{"role": "user", "content": [CACHED, CACHED, CACHED]}],
    ),
    case("temperature", "`temperature` is deprecated for this model.", extra_body={"temperature": 0.2}),
    case("top_k", "`top_k` is deprecated for this model.", extra_body={"top_k": 5}),
    case(
        "empty text block",
        "messages: text content blocks must be non-empty",
        messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}],
    ),
    case(
        "whitespace text",
        "messages: text content blocks must contain non-whitespace text",
        messages=[{"role": "user", "content": "  \n"}],
    ),
    case(
        "empty content",
        "messages.0: all messages must have non-empty content except for the optional final assistant "
        "message",
        messages=[{"role": "user", "content": []}],
    ),
    case(
        "max_tokens above the model's limit",
        "max_tokens: 200000 > 128000, which is the maximum allowed number of output tokens for "
        "claude-sonnet-5-5",
        max_tokens=200_000,
    ),
    case("manual thinking", '"thinking.type.enabled" is not supported for this model.', thinking=ENABLED),
    case(
        "disabled on sonnet 5.5",
        '"thinking.type.disabled" is not supported for this model. Use "thinking.type.between_tools"',
        thinking={"type": "disabled"},
    ),
    case(
        "disabled on opus 5.5",
        '"thinking.type.disabled" is not supported for this model. Use "thinking.type.adaptive" and '
        '"output_config.effort" to control thinking behavior.',
        model="claude-opus-5-5",
        thinking={"type": "disabled"},
    ),
    case(
        "adaptive on an extended-only model",
        "adaptive thinking is not supported on this model",
        model="claude-haiku-4-5",
        thinking={"type": "adaptive"},
    ),
    case(
        "between_tools at max effort",
        '"thinking.type.between_tools" is not supported with effort "max"',
        thinking={"type": "between_tools"},
        output_config={"effort": "max"},
    ),
    case(
        "disabled at xhigh on haiku 5.5",
        '"thinking.type.disabled" is not supported with effort "xhigh"',
        model="claude-haiku-5-5",
        thinking={"type": "disabled"},
        output_config={"effort": "xhigh"},
    ),
    case(
        "unknown effort",
        "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'",
        output_config={"effort": "extreme"},
    ),
    case(
        "prefill",
        "This model does not support assistant message prefill. "
        "The conversation must end with a user message.",
        messages=[USER, ASSISTANT],
    ),
    case(
        "tool name",
        "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
        tools=[{**TOOLS[0], "name": "look up"}],
    ),
    case(
        "forced tool use",
        'tool_choice: type "tool" and "any" are not supported for this model.',
        model="claude-opus-5-5",
        tools=TOOLS,
        tool_choice={"type": "any"},
    ),
    case(
        "display with thinking disabled",
        "thinking.disabled.display: Extra inputs are not permitted",
        model="claude-sonnet-5",
        thinking={"type": "disabled", "display": "omitted"},
    ),
]


@pytest.mark.parametrize(("overrides", "status", "wording"), REFUSALS)
async def test_each_rule_refuses_with_the_apis_wording(
    fake: FakeMessagesAPI,
    client: anthropic.AsyncAnthropic,
    overrides: dict[str, Any],
    status: int,
    wording: str,
) -> None:
    params: dict[str, Any] = {"model": SONNET, "max_tokens": 1000, "messages": [USER], **overrides}

    error = await refused(client, **params)

    assert error.status_code == status
    assert wording in said(error)
    body = error.body if isinstance(error.body, dict) else {}
    assert body["type"] == "error" and body["request_id"] == error.response.headers["request-id"]
    assert [r.message for r in fake.refusals] == [body["error"]["message"]]
    assert fake.pending == 0


async def test_a_wrong_key_is_a_401(fake: FakeMessagesAPI) -> None:
    async with anthropic.AsyncAnthropic(base_url=fake.base_url, api_key="sk-wrong", max_retries=0) as sdk:
        with pytest.raises(anthropic.AuthenticationError):
            await sdk.messages.create(model=SONNET, max_tokens=10, messages=[USER])  # type: ignore[list-item]


# Thinking on and off ----------------------------------------------------------------------------


async def test_thinking_disabled_yields_no_thinking_blocks(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_text("Hi.")

    reply = await answer(client, [USER], model="claude-sonnet-5", thinking={"type": "disabled"})

    assert [b.type for b in reply.content] == ["text"]
    assert reply.usage.output_tokens_details is not None
    assert reply.usage.output_tokens_details.thinking_tokens == 0


async def test_between_tools_puts_a_progress_update_before_each_tool_call(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_tool_uses(ToolCall("lookup_order", {"order_id": "A-1"}, "toolu_1"), text="One moment.")

    reply = await answer(client, [USER], thinking={"type": "between_tools"})

    assert [b.type for b in reply.content] == ["text", "thinking", "tool_use"]
    update = reply.content[1]
    assert update.type == "thinking" and update.thinking == "Calling lookup_order next."


async def test_summarized_display_returns_the_thinking_text_and_usage_counts_it(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_text("Hi.", thinking_tokens=77)

    reply = await answer(client, [USER], thinking={"type": "adaptive", "display": "summarized"})

    thinking = reply.content[0]
    assert thinking.type == "thinking" and thinking.thinking.startswith("Let me work out")
    assert reply.usage.output_tokens_details is not None
    assert reply.usage.output_tokens_details.thinking_tokens == 77


# Stop reasons, errors and the transport ---------------------------------------------------------


async def test_each_stop_reason_arrives_as_the_sdk_reports_it(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_text("Done.")
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"})
    fake.reply_tool_use_cut("lookup_order", {"order_id": "A-1234567890"}, pieces=2)
    fake.reply_text("Counting: 1, 2", stop_reason="stop_sequence", stop_sequence="3")
    fake.reply_stop("pause_turn", "Searching")
    fake.reply_refusal(category="cyber", explanation="Malware development.")
    fake.reply_stop("model_context_window_exceeded", "A very long answer")
    replies = [await answer(client, [USER]) for _ in range(7)]

    assert [r.stop_reason for r in replies] == [
        "end_turn", "tool_use", "max_tokens", "stop_sequence", "pause_turn", "refusal",
        "model_context_window_exceeded",
    ]  # fmt: skip
    cut = replies[2].content[-1]
    assert cut.type == "tool_use" and cut.input == {}  # the input JSON stopped after '{"order'
    assert replies[3].stop_sequence == "3"
    assert replies[5].stop_details is not None and replies[5].stop_details.category == "cyber"
    assert replies[0].stop_details is None


async def test_an_error_event_mid_stream_raises_after_the_text_and_is_not_retried(
    fake: FakeMessagesAPI,
) -> None:
    fake.reply_overloaded_midstream("Let me")
    seen: list[str] = []
    async with anthropic.AsyncAnthropic(base_url=fake.base_url, api_key=KEY) as sdk:  # default retries
        with pytest.raises(anthropic.APIStatusError) as failure:
            async with sdk.messages.stream(model=SONNET, max_tokens=100, messages=[USER]) as stream:  # type: ignore[list-item]
                async for event in stream:
                    if event.type == "text":
                        seen.append(event.text)

    assert seen == ["Let me"]
    assert isinstance(failure.value.body, dict) and failure.value.body["error"]["type"] == "overloaded_error"
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_type", "exception"),
    [
        (429, "rate_limit_error", anthropic.RateLimitError),
        (529, "overloaded_error", anthropic.OverloadedError),
        (500, "api_error", anthropic.InternalServerError),
        (400, "invalid_request_error", anthropic.BadRequestError),
    ],
)
async def test_scripted_http_errors_carry_the_real_error_body(
    fake: FakeMessagesAPI,
    client: anthropic.AsyncAnthropic,
    status: int,
    error_type: str,
    exception: type[anthropic.APIStatusError],
) -> None:
    fake.reply_error(status, error_type, "Scripted failure.", retry_after="7")

    with pytest.raises(exception) as failure:
        await client.messages.create(model=SONNET, max_tokens=10, messages=[USER])  # type: ignore[list-item]

    assert failure.value.status_code == status
    assert failure.value.body == {
        "type": "error",
        "error": {"type": error_type, "message": "Scripted failure."},
        "request_id": failure.value.response.headers["request-id"],
    }
    assert failure.value.response.headers["retry-after"] == "7"


async def test_a_connection_cut_mid_stream_raises_the_transport_error(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_disconnect("Hel", "lo", after_frames=5)

    with pytest.raises(httpx2.RemoteProtocolError):
        async with client.messages.stream(model=SONNET, max_tokens=100, messages=[USER]) as stream:  # type: ignore[list-item]
            async for _ in stream:
                pass


async def test_a_gate_holds_the_stream_after_the_first_text_chunk(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    release = threading.Event()
    fake.reply_text("Hel", "lo", gate_after_first=release)
    texts: list[str] = []

    async with client.messages.stream(model=SONNET, max_tokens=100, messages=[USER]) as stream:  # type: ignore[list-item]
        async for event in stream:
            if event.type == "text":
                texts.append(event.text)
                if len(texts) == 1:
                    assert fake.waiting.is_set()
                    release.set()

    assert texts == ["Hel", "lo"]


async def test_a_non_streaming_request_gets_the_same_message(
    fake: FakeMessagesAPI, client: anthropic.AsyncAnthropic
) -> None:
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, text="Checking.")

    message = await client.messages.create(model=SONNET, max_tokens=100, tools=TOOLS, messages=[USER])  # type: ignore[list-item, arg-type]

    assert [b.type for b in message.content] == ["thinking", "text", "tool_use"]
    assert message.content[2].type == "tool_use" and message.content[2].input == {"order_id": "A-1"}


# The rules without HTTP, as a scripted model in the runtime's tests uses them ----------------------


def test_a_scripted_model_mints_blocks_that_check_request_accepts_and_no_other_signer_does() -> None:
    signer = Signer()
    body: dict[str, Any] = {"model": SONNET, "max_tokens": 100, "tools": TOOLS, "messages": [USER]}
    tool_use = {"type": "tool_use", "id": "toolu_9", "name": "lookup_order", "input": {}}
    assistant = {"role": "assistant", "content": [signer.thinking_block(body, text="Look it up."), tool_use]}
    follow_up = {**body, "messages": [USER, assistant, {"role": "user", "content": [TOOL_RESULT]}]}

    assert check_request(follow_up, signer).id == SONNET
    with pytest.raises(ApiRefusal) as failure:
        check_request(follow_up, Signer())
    assert failure.value.status == 400 and "Invalid `signature`" in failure.value.message


def test_bedrock_ids_map_to_the_same_profiles() -> None:
    sonnet = profile_for(SONNET)
    assert sonnet is not None and sonnet.thinks_by_default and sonnet.preserved_thinking
    for model in (
        "anthropic.claude-sonnet-5-5",
        "us.anthropic.claude-sonnet-5-5",
        "global.anthropic.claude-sonnet-5-5",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-5-5",
    ):
        assert profile_for(model) is sonnet
    assert profile_for("claude-haiku-4-5-20251001") is profile_for(
        "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    assert profile_for("claude-test") is None


def test_the_key_may_come_as_x_api_key_and_the_version_header_is_required(fake: FakeMessagesAPI) -> None:
    fake.reply_text("Hi.")
    body = {"model": SONNET, "max_tokens": 10, "messages": [USER]}
    url = fake.base_url + "/v1/messages"

    accepted = httpx2.post(url, json=body, headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"})
    refused = httpx2.post(url, json=body, headers={"x-api-key": KEY})

    assert accepted.status_code == 200 and accepted.json()["content"][-1] == {"type": "text", "text": "Hi."}
    assert refused.status_code == 400 and "anthropic-version" in refused.json()["error"]["message"]
