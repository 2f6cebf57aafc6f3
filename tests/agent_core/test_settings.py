"""Settings come from the environment once, typed and validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agent_core import Settings


def test_defaults_run_the_local_model_without_any_key() -> None:
    settings = Settings.from_env({})
    assert settings.wants_anthropic is False
    assert settings.model_name == "local"


def test_an_anthropic_key_in_the_environment_selects_claude() -> None:
    settings = Settings.from_env({"ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_MODEL": "claude-x"})
    assert settings.wants_anthropic
    assert settings.model_name == "claude-x"
    assert "sk-ant-x" not in settings.model_dump_json()


def test_a_platform_secret_selects_claude_in_aws() -> None:
    settings = Settings.from_env({"ANTHROPIC_API_KEY_SECRET": "agent-runtime/platform/anthropic"})
    assert settings.wants_anthropic


def test_the_provider_can_be_forced_to_local() -> None:
    settings = Settings.from_env({"ANTHROPIC_API_KEY": "k", "MODEL_PROVIDER": "local"})
    assert not settings.wants_anthropic


def test_numbers_and_region_are_parsed() -> None:
    settings = Settings.from_env(
        {"SESSION_RETENTION_DAYS": "7", "TURN_TIMEOUT_SECONDS": "12.5", "AWS_REGION": "eu-west-1"}
    )
    assert (settings.session_retention_days, settings.turn_timeout_seconds, settings.region) == (
        7,
        12.5,
        "eu-west-1",
    )


def test_nonsense_is_refused_at_start() -> None:
    with pytest.raises(ValidationError):
        Settings.from_env({"SESSION_RETENTION_DAYS": "0"})
    with pytest.raises(ValidationError):
        Settings.from_env({"MODEL_PROVIDER": "gpt"})
