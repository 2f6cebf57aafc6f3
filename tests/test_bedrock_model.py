"""Claude on Amazon Bedrock: configured with MODEL_PROVIDER=bedrock, no key anywhere."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from agent_core import ModelError, Runtime, Settings, Tenant
from local.functions import load_function
from tests.conftest import TABLE
from tests.support.server import serve

PROFILE = "us.anthropic.claude-sonnet-5-5"
ACME = Tenant(tenant_id="acme", name="Acme Corporation")


def bedrock_settings(**overrides: object) -> Settings:
    return Settings.model_validate(
        {"table_name": TABLE, "model_provider": "bedrock", "anthropic_model": PROFILE, **overrides}
    )


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
