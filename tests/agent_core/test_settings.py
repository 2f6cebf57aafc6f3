"""Settings come from the environment once, typed and validated."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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


def test_aws_region_wins_over_the_default_region_which_is_the_fallback() -> None:
    both = Settings.from_env({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"})
    fallback = Settings.from_env({"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-west-2"})
    assert (both.region, fallback.region) == ("eu-west-1", "us-west-2")


class EmptyEnvironment(Mapping[str, str]):
    """An environment with nothing set, that notes every variable asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_the_environment_names_are_exactly_the_variables_settings_read() -> None:
    environment = EmptyEnvironment()
    Settings.from_env(environment)
    assert Settings.environment_names() == environment.asked
    assert {"TABLE_NAME", "WEB_ALLOW_PRIVATE_NETWORK", "AWS_REGION", "ANTHROPIC_API_KEY"} <= environment.asked
