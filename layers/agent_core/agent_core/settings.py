"""Typed, frozen settings, parsed once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ModelProviderName = Literal["auto", "anthropic", "local"]

DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5"


class Settings(BaseModel):
    """Everything the runtime reads from its environment, validated once."""

    model_config = ConfigDict(frozen=True)

    table_name: str = "agent-runtime"
    region: str = "us-east-1"
    secrets_prefix: str = "agent-runtime"
    stage: str = "local"

    model_provider: ModelProviderName = "auto"
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    anthropic_api_key_in_env: bool = False
    anthropic_api_key_secret: str | None = None
    max_output_tokens: int = Field(default=4096, ge=1, le=64_000)

    session_retention_days: int = Field(default=30, ge=1, le=3650)
    audit_retention_days: int = Field(default=365, ge=1, le=3650)
    history_max_messages: int = Field(default=200, ge=2, le=1000)

    turn_timeout_seconds: float = Field(default=60.0, gt=0)
    tool_timeout_seconds: float = Field(default=30.0, gt=0)
    auth_cache_seconds: float = Field(default=30.0, ge=0)
    tenant_cache_seconds: float = Field(default=60.0, ge=0)
    secret_cache_seconds: float = Field(default=300.0, ge=0)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)

    http_timeout_seconds: float = Field(default=15.0, gt=0)
    web_search_url: str = "https://html.duckduckgo.com/html/"
    # Lets visit_webpage reach loopback and private addresses. For tests only; never in AWS.
    web_allow_private_network: bool = False

    @property
    def wants_anthropic(self) -> bool:
        """Whether turns go to the Anthropic API rather than the local model."""
        if self.model_provider == "auto":
            return self.anthropic_api_key_in_env or self.anthropic_api_key_secret is not None
        return self.model_provider == "anthropic"

    @property
    def model_name(self) -> str:
        return self.anthropic_model if self.wants_anthropic else "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        names = {
            "table_name": "TABLE_NAME",
            "secrets_prefix": "SECRETS_PREFIX",
            "stage": "STAGE",
            "model_provider": "MODEL_PROVIDER",
            "anthropic_model": "ANTHROPIC_MODEL",
            "anthropic_api_key_secret": "ANTHROPIC_API_KEY_SECRET",
            "max_output_tokens": "MAX_OUTPUT_TOKENS",
            "session_retention_days": "SESSION_RETENTION_DAYS",
            "audit_retention_days": "AUDIT_RETENTION_DAYS",
            "history_max_messages": "HISTORY_MAX_MESSAGES",
            "turn_timeout_seconds": "TURN_TIMEOUT_SECONDS",
            "tool_timeout_seconds": "TOOL_TIMEOUT_SECONDS",
            "auth_cache_seconds": "AUTH_CACHE_SECONDS",
            "tenant_cache_seconds": "TENANT_CACHE_SECONDS",
            "secret_cache_seconds": "SECRET_CACHE_SECONDS",
            "max_body_bytes": "MAX_BODY_BYTES",
            "http_timeout_seconds": "HTTP_TIMEOUT_SECONDS",
            "web_search_url": "WEB_SEARCH_URL",
            "web_allow_private_network": "WEB_ALLOW_PRIVATE_NETWORK",
        }
        values: dict[str, object] = {field: env[var] for field, var in names.items() if env.get(var)}
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region:
            values["region"] = region
        values["anthropic_api_key_in_env"] = bool(env.get("ANTHROPIC_API_KEY"))
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, parsed on first use."""
    return Settings.from_env()
