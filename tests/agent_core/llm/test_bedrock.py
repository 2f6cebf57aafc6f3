"""Claude on Amazon Bedrock: configured with MODEL_PROVIDER=bedrock, no key anywhere; turns go through
the real SDK's Bedrock client to a loopback Bedrock Runtime that checks each request's SigV4 signature
and the Messages API's rules, and answers in AWS event-stream framing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import boto3
import httpx
import pytest
from pydantic import ValidationError

from agent_core import Message, ModelError, ModelRequest, Runtime, Settings, Tenant, TurnRequest
from agent_core.llm.types import ModelEvent, ModelFinished, TextChunk, Usage
from agent_core.web import chat_reply
from local.functions import load_function
from tests.conftest import TABLE, DemoTenant
from tests.fakes.bedrock_runtime import FakeBedrockRuntime, running_bedrock_runtime
from tests.support.server import serve

PROFILE = "us.anthropic.claude-sonnet-5-5"
ACME = Tenant(tenant_id="acme", name="Acme Corporation")


def bedrock_settings(**overrides: object) -> Settings:
    return Settings.model_validate(
        {"table_name": TABLE, "model_provider": "bedrock", "anthropic_model": PROFILE, **overrides}
    )


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBedrockRuntime]:
    """Bedrock Runtime on loopback, verifying signatures made with the process's AWS credentials
    (moto's fake ones, as every test runs behind moto), the way a Lambda role's would be."""
    credentials = boto3.Session().get_credentials()
    assert credentials is not None
    with running_bedrock_runtime(
        access_key=credentials.access_key, secret_key=credentials.secret_key, region="us-east-1"
    ) as fake:
        monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", fake.base_url)
        yield fake


def signed_for_bedrock(fake: FakeBedrockRuntime) -> re.Pattern[str]:
    """An ``Authorization`` header of SigV4 for service ``bedrock`` in us-east-1, with our access key."""
    key = re.escape(fake.credentials.access_key)
    return re.compile(rf"^AWS4-HMAC-SHA256 Credential={key}/\d{{8}}/us-east-1/bedrock/aws4_request, ")


def request(text: str = "hi") -> ModelRequest:
    return ModelRequest(system="You help.", messages=(Message.user_text(text),), tools=(), max_tokens=500)


async def collect(runtime: Runtime, tenant: Tenant = ACME) -> list[ModelEvent]:
    model = runtime.models.model_for(tenant, lambda: {})
    return [event async for event in model.stream(request())]


async def failure(runtime: Runtime, tenant: Tenant = ACME) -> ModelError:
    with pytest.raises(ModelError) as failed:
        await collect(runtime, tenant)
    return failed.value


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "anthropic.claude-sonnet-5-5",
        PROFILE,
        "global.anthropic.claude-sonnet-5-5",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-5-5",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4",
    ],
)
def test_bedrock_takes_a_model_id_an_inference_profile_or_its_arn(model: str) -> None:
    settings = Settings.from_env({"MODEL_PROVIDER": "bedrock", "ANTHROPIC_MODEL": model})

    assert settings.provider == "bedrock"
    assert settings.model_name == model
    # Not the Anthropic API: no key is wanted, none is read.
    assert not settings.wants_anthropic


def test_bedrock_refuses_an_anthropic_model_id_at_start() -> None:
    with pytest.raises(ValidationError, match="Bedrock model id or inference profile"):
        Settings.from_env({"MODEL_PROVIDER": "bedrock", "ANTHROPIC_MODEL": "claude-sonnet-5-5"})
    with pytest.raises(ValidationError, match="Bedrock model id or inference profile"):
        Settings.from_env({"MODEL_PROVIDER": "bedrock"})


def test_auto_never_chooses_bedrock() -> None:
    assert Settings.from_env({"ANTHROPIC_MODEL": PROFILE}).provider == "local"
    assert Settings.from_env({"ANTHROPIC_API_KEY": "sk-ant-x"}).provider == "anthropic"


def test_a_tenants_own_anthropic_key_and_model_id_do_not_apply_on_bedrock() -> None:
    provider = Runtime(bedrock_settings()).models
    # A key in the tenant's secret changes nothing: Bedrock authorizes the function's role.
    model = provider.model_for(ACME, lambda: {"anthropic_api_key": "sk-ant-tenant"})
    assert model.name == PROFILE

    # A tenant override is a Bedrock id too; an Anthropic one is refused before any call.
    haiku = ACME.model_copy(update={"model": "global.anthropic.claude-haiku-5-5"})
    assert provider.model_for(haiku, lambda: {}).name == "global.anthropic.claude-haiku-5-5"
    stale = ACME.model_copy(update={"model": "claude-haiku-5-5"})
    with pytest.raises(ModelError) as refused:
        provider.model_for(stale, lambda: {})
    assert refused.value.code == "model_not_configured"
    assert "claude-haiku-5-5" in refused.value.message


def test_readyz_says_the_bedrock_model_is_configured_without_any_key(table: str) -> None:
    # Given: Bedrock, and no Anthropic key in the environment or in Secrets Manager
    runtime = Runtime(bedrock_settings(anthropic_api_key_secret="agent-runtime/platform/anthropic"))
    app = load_function("health").create_app(runtime)

    with serve(app) as base_url:
        response = httpx.get(f"{base_url}/readyz", timeout=10)

    assert response.status_code == 200
    assert response.json()["checks"]["model"] == {
        "ok": True,
        "detail": f"{PROFILE} on Amazon Bedrock (us-east-1)",
    }


# --- turns through the SDK's Bedrock client --------------------------------------------------


@pytest.mark.anyio
async def test_a_text_answer_streams_from_bedrock_signed_with_the_roles_credentials(
    bedrock: FakeBedrockRuntime,
) -> None:
    # Given: the chat function's runtime, prepared at init as SnapStart snapshots it
    runtime = Runtime(bedrock_settings())
    runtime.prepare()
    assert bedrock.requests == [], "building the client must not call Bedrock"
    bedrock.reply_text("Hello", " from Bedrock", input_tokens=12, output_tokens=5, cache_read=300)

    events = await collect(runtime)

    assert [e for e in events if isinstance(e, TextChunk)] == [
        TextChunk(text="Hello"),
        TextChunk(text=" from Bedrock"),
    ]
    finished = events[-1]
    assert isinstance(finished, ModelFinished) and finished.stop_reason == "end_turn"
    assert finished.usage.model_dump(exclude={"thinking_tokens"}) == Usage(
        input_tokens=12, output_tokens=5, cache_creation_input_tokens=0, cache_read_input_tokens=300
    ).model_dump(exclude={"thinking_tokens"})
    assert [type(block).__name__ for block in finished.content or ()] == ["ThinkingBlock", "TextBlock"]
    (sent,) = bedrock.requests
    assert sent.path == f"/model/{PROFILE}/invoke-with-response-stream"
    assert signed_for_bedrock(bedrock).match(sent.headers["authorization"]), sent.headers["authorization"]
    assert bedrock.refusals == [], "the fake verified the signature and the body"
    # The model travels in the path; the body is the Messages API's, with Bedrock's version field.
    assert "model" not in sent.body and "stream" not in sent.body
    assert sent.body["anthropic_version"]
    assert sent.body["messages"][-1]["content"][-1]["text"] == "hi"


@pytest.mark.anyio
async def test_a_tenants_model_override_is_the_model_bedrock_is_asked_for(
    bedrock: FakeBedrockRuntime,
) -> None:
    bedrock.reply_text("Short answer.")
    haiku = ACME.model_copy(update={"model": "global.anthropic.claude-haiku-5-5"})

    await collect(Runtime(bedrock_settings()), haiku)

    assert [r.path for r in bedrock.requests] == [
        "/model/global.anthropic.claude-haiku-5-5/invoke-with-response-stream"
    ]


@pytest.mark.anyio
async def test_a_tool_using_turn_sends_the_tool_result_back_to_bedrock_and_ends_in_text(
    bedrock: FakeBedrockRuntime, tenants: dict[str, DemoTenant]
) -> None:
    # Given: acme's key, and Bedrock asking for tenant_info before it answers
    runtime = Runtime(bedrock_settings())
    caller = runtime.authenticator.authenticate(tenants["acme"].key)
    bedrock.reply_tool_use("tenant_info", {}, tool_use_id="toolu_01Bedrock", text="Let me check.")
    bedrock.reply_text("You are Acme Corporation.")

    turn = await runtime.chat.start(caller, "general", TurnRequest(message="who am I? use tenant_info"))
    reply = await chat_reply(turn)

    assert (reply.status, reply.reply.endswith("You are Acme Corporation.")) == ("completed", True), reply
    assert [call.tool for call in reply.tool_calls] == ["tenant_info"]
    assert bedrock.refusals == []
    first, second = bedrock.requests
    assert first.path == second.path == f"/model/{PROFILE}/invoke-with-response-stream"
    # Step 2 carries the assistant's tool_use and the tool's result for it.
    assistant, result = second.body["messages"][-2:]
    assert any(b["type"] == "tool_use" and b["id"] == "toolu_01Bedrock" for b in assistant["content"])
    (tool_result,) = [b for b in result["content"] if b["type"] == "tool_result"]
    assert tool_result["tool_use_id"] == "toolu_01Bedrock"
    assert "acme" in str(tool_result["content"])


# --- Bedrock's errors, as our error codes ----------------------------------------------------


@pytest.mark.anyio
async def test_throttling_is_retried_by_the_sdk_then_reported_as_rate_limited(
    bedrock: FakeBedrockRuntime,
) -> None:
    # The SDK retries a 429 twice before giving up: three refusals in a row.
    for _ in range(3):
        bedrock.reply_error(429, "ThrottlingException", "Too many requests, please wait before trying again.")

    error = await failure(Runtime(bedrock_settings()))

    assert error.code == "model_rate_limited"
    assert len(bedrock.requests) == 3


@pytest.mark.anyio
async def test_an_invalid_model_id_is_a_bad_request(bedrock: FakeBedrockRuntime) -> None:
    # Bedrock answers ValidationException (400) for a model id it does not know.
    unknown = ACME.model_copy(update={"model": "us.anthropic.claude-nonexistent-9"})

    error = await failure(Runtime(bedrock_settings()), unknown)

    assert error.code == "model_bad_request"
    assert [r.exception for r in bedrock.refusals] == ["ValidationException"]


@pytest.mark.anyio
async def test_a_role_without_the_grant_is_an_auth_failure(bedrock: FakeBedrockRuntime) -> None:
    bedrock.reply_error(
        403,
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/chat/fn is not authorized to perform: "
        "bedrock:InvokeModelWithResponseStream",
    )

    error = await failure(Runtime(bedrock_settings()))

    assert error.code == "model_auth_failed"
    assert len(bedrock.requests) == 1, "a denial is not retried"


@pytest.mark.anyio
async def test_credentials_bedrock_does_not_accept_are_an_auth_failure(
    bedrock: FakeBedrockRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake checks signatures against another region's scope: the signature cannot match.
    runtime = Runtime(bedrock_settings(region="eu-west-1"))

    error = await failure(runtime)

    assert error.code == "model_auth_failed"
    assert [r.exception for r in bedrock.refusals] == ["InvalidSignatureException"]


@pytest.mark.anyio
async def test_throttling_in_the_middle_of_a_stream_is_rate_limited(bedrock: FakeBedrockRuntime) -> None:
    bedrock.reply_error_event(
        "rate_limit_error", "Too many tokens, please wait before trying again.", "Partial"
    )

    error = await failure(Runtime(bedrock_settings()))

    assert error.code == "model_rate_limited"
