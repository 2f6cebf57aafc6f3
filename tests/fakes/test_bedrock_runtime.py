"""The Bedrock Runtime fake, driven by the SDK's AsyncAnthropicBedrock, and its event-stream encoder."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import anthropic
import httpx2
import pytest
from anthropic.types import Message
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer

from tests.fakes.aws_eventstream import chunk_event, exception_event
from tests.fakes.bedrock_runtime import FakeBedrockRuntime, running_bedrock_runtime
from tests.fakes.thinking_config import BINDING_BETA

pytestmark = pytest.mark.anyio

MODEL = "us.anthropic.claude-sonnet-5-5"
ACCESS, SECRET, REGION = "AKIAFAKEBEDROCK", "fake-bedrock-secret", "us-east-1"
TOOLS: list[dict[str, Any]] = [
    {"name": "lookup_order", "description": "Find an order.", "input_schema": {"type": "object"}}
]
USER: dict[str, Any] = {"role": "user", "content": "What does order A-1 total?"}


@pytest.fixture
def fake() -> Iterator[FakeBedrockRuntime]:
    with running_bedrock_runtime(access_key=ACCESS, secret_key=SECRET, region=REGION) as runtime:
        yield runtime


def bedrock(fake: FakeBedrockRuntime, secret: str = SECRET) -> anthropic.AsyncAnthropicBedrock:
    return anthropic.AsyncAnthropicBedrock(
        aws_region=REGION, aws_access_key=ACCESS, aws_secret_key=secret, base_url=fake.base_url, max_retries=0
    )


@pytest.fixture
async def client(fake: FakeBedrockRuntime) -> AsyncIterator[anthropic.AsyncAnthropicBedrock]:
    async with bedrock(fake) as sdk:
        yield sdk


async def answer(client: anthropic.AsyncAnthropicBedrock, messages: list[Any], **params: Any) -> Message:
    request: dict[str, Any] = {"model": MODEL, "max_tokens": 2000, "tools": TOOLS, **params}
    async with client.messages.stream(**request, messages=messages) as stream:
        return await stream.get_final_message()


def decoded(stream: bytes) -> list[tuple[dict[str, Any], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(stream)
    return [(cast(dict[str, Any], message.headers), message.payload) for message in buffer]


# The encoder, checked by botocore's decoder ----------------------------------------------------------


def test_chunk_messages_decode_with_botocore_and_carry_the_event_as_base64_json() -> None:
    event = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hé"}}

    [(headers, payload)] = decoded(chunk_event(event))

    assert headers == {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    assert json.loads(base64.b64decode(json.loads(payload)["bytes"])) == event


def test_exception_messages_decode_with_botocore() -> None:
    [(headers, payload)] = decoded(exception_event("throttlingException", "Too many requests"))

    assert headers[":message-type"] == "exception" and headers[":exception-type"] == "throttlingException"
    assert json.loads(payload) == {"message": "Too many requests"}


def test_a_corrupted_byte_fails_botocores_checksum() -> None:
    data = bytearray(chunk_event({"type": "ping"}))
    data[-6] ^= 0xFF

    with pytest.raises(ChecksumMismatch):
        decoded(bytes(data))


# Through the SDK --------------------------------------------------------------------------------------


async def test_a_tool_cycle_with_thinking_passes_and_the_request_has_bedrocks_shape(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_tool_use("lookup_order", {"order_id": "A-1"}, tool_use_id="toolu_1")
    fake.reply_text("Order A-1 totals 42.")
    history: list[Any] = [USER]

    first = await answer(client, history)
    history += [first.to_param(), {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "42"}]}]  # fmt: skip
    second = await answer(client, history)

    assert [b.type for b in first.content] == ["thinking", "tool_use"]
    assert [b.type for b in second.content] == ["thinking", "text"]
    assert fake.refusals == []
    sent = fake.requests[0]
    assert sent.path == f"/model/{MODEL}/invoke-with-response-stream"
    assert "model" not in sent.body and "stream" not in sent.body
    assert sent.body["anthropic_version"]
    assert sent.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS}/")
    assert f"/{REGION}/bedrock/aws4_request, SignedHeaders=" in sent.headers["authorization"]


async def test_a_wrong_secret_fails_the_signature_check(fake: FakeBedrockRuntime) -> None:
    async with bedrock(fake, secret="not-the-secret") as sdk:
        with pytest.raises(anthropic.PermissionDeniedError) as failure:
            await answer(sdk, [USER])

    assert failure.value.response.headers["x-amzn-errortype"].startswith("InvalidSignatureException")


async def test_a_refused_request_is_a_validation_exception(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    with pytest.raises(anthropic.BadRequestError) as failure:
        await answer(client, [USER, {"role": "assistant", "content": "Prefilled"}])

    assert failure.value.body == {
        "message": "This model does not support assistant message prefill. "
        "The conversation must end with a user message."
    }
    assert failure.value.response.headers["x-amzn-errortype"].startswith("ValidationException:")


async def test_an_unknown_model_id_is_a_validation_exception(client: anthropic.AsyncAnthropicBedrock) -> None:
    with pytest.raises(anthropic.BadRequestError) as failure:
        await answer(client, [USER], model="us.anthropic.claude-test")

    assert failure.value.body == {"message": "The provided model identifier is invalid."}


def signed_post(fake: FakeBedrockRuntime, path: str, body: dict[str, Any]) -> httpx2.Response:
    """A request the SDK would never send, signed with SigV4 as it would be."""
    request = AWSRequest(method="POST", url=fake.base_url + path, data=json.dumps(body).encode())
    request.headers["content-type"] = "application/json"
    SigV4Auth(Credentials(ACCESS, SECRET), "bedrock", REGION).add_auth(request)
    return httpx2.post(str(request.url), content=request.body, headers=dict(request.headers.items()))


@pytest.mark.parametrize("key", ["model", "stream"])
def test_model_or_stream_in_the_body_is_refused(fake: FakeBedrockRuntime, key: str) -> None:
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [USER], key: MODEL}

    response = signed_post(fake, f"/model/{MODEL}/invoke-with-response-stream", body)

    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].startswith("ValidationException:")
    assert f"extraneous key [{key}] is not permitted" in response.json()["message"]


def test_a_missing_anthropic_version_is_refused(fake: FakeBedrockRuntime) -> None:
    response = signed_post(fake, f"/model/{MODEL}/invoke", {"max_tokens": 10, "messages": [USER]})

    assert response.status_code == 400
    assert "required key [anthropic_version] not found" in response.json()["message"]


async def test_a_legacy_model_id_needs_the_bedrock_anthropic_version(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    legacy = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    fake.reply_text("Hi.")

    with pytest.raises(anthropic.BadRequestError):
        await answer(client, [USER], model=legacy)  # the SDK sends its dated API version
    reply = await answer(client, [USER], model=legacy, extra_body={"anthropic_version": "bedrock-2023-05-31"})

    assert reply.stop_reason == "end_turn"
    assert (
        fake.requests[-1].path
        == "/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke-with-response-stream"
    )


async def test_betas_arrive_in_the_body_and_drop_block_reports_dropped_blocks(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_text("Hello.")
    first = await answer(client, [USER])
    fake.reply_text("Again.")

    async with client.beta.messages.stream(  # type: ignore[misc]
        model=MODEL, max_tokens=100, system="A system prompt added later.", tools=TOOLS,  # type: ignore[arg-type]
        messages=[USER, first.to_param(), {"role": "user", "content": "Again"}],  # type: ignore[list-item]
        thinking={"type": "adaptive", "block_binding": {"prefix_mismatch_behavior": "drop_block"}},
        betas=[BINDING_BETA],
    ) as stream:  # fmt: skip
        reply = await stream.get_final_message()

    assert fake.requests[-1].body["anthropic_beta"] == [BINDING_BETA]
    assert [(t.path, t.reason) for t in reply.input_transformations or []] == [
        ("messages.1.content.0", "prefix_binding_mismatch")
    ]


async def test_an_exception_mid_stream_raises_with_bedrocks_exception_type(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_error_event("ThrottlingException", "Too many tokens, please wait.", text_before="Let me")
    seen: list[str] = []

    with pytest.raises(anthropic.APIStatusError) as failure:
        async with client.messages.stream(model=MODEL, max_tokens=100, messages=[USER]) as stream:  # type: ignore[list-item]
            async for event in stream:
                if event.type == "text":
                    seen.append(event.text)

    assert seen == ["Let me"]
    assert failure.value.body == {
        "type": "error",
        "error": {"type": "throttlingException", "message": "Too many tokens, please wait."},
    }


async def test_an_http_throttle_is_a_rate_limit_error(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_error(429, "rate_limit_error", "Too many requests, please wait before trying again.")

    with pytest.raises(anthropic.RateLimitError) as failure:
        await answer(client, [USER])

    assert failure.value.response.headers["x-amzn-errortype"].startswith("ThrottlingException:")


async def test_a_connection_cut_mid_stream_raises_the_transport_error(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_disconnect("Hel", "lo", after_frames=5)

    with pytest.raises(httpx2.RemoteProtocolError):
        await answer(client, [USER])


async def test_stop_reasons_and_thinking_tokens_arrive_through_bedrock(
    fake: FakeBedrockRuntime, client: anthropic.AsyncAnthropicBedrock
) -> None:
    fake.reply_refusal("I can't", category="cyber")
    fake.reply_tool_use_cut("lookup_order", {"order_id": "A-1234567890"})

    refusal = await answer(client, [USER])
    cut = await answer(client, [USER])

    assert refusal.stop_reason == "refusal" and refusal.stop_details is not None
    assert cut.stop_reason == "max_tokens" and cut.content[-1].type == "tool_use"
    assert refusal.usage.output_tokens_details is not None
    assert refusal.usage.output_tokens_details.thinking_tokens > 0
