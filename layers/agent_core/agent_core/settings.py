"""Typed, frozen settings, parsed once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent_core.origins import Origins

ModelProviderName = Literal["auto", "anthropic", "bedrock", "local"]
# What ``auto`` resolves to. Bedrock is never guessed: AWS credentials are always present on
# Lambda, so only an explicit ``bedrock`` sends turns there.
ResolvedProvider = Literal["anthropic", "bedrock", "local"]
OnDisconnect = Literal["finish", "stop"]

DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5"

# A Claude model on Bedrock: a base model id (``anthropic.claude-…``), a system-defined inference
# profile id (``us.anthropic.claude-…``, ``global.anthropic.claude-…``), or an inference profile's
# ARN. https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-use.html
_BEDROCK_MODEL = re.compile(r"^(arn:aws[a-z-]*:bedrock:\S+|([a-z-]+\.)?anthropic\.\S+)$")


def is_bedrock_model(model: str) -> bool:
    """Whether ``model`` names a Claude model on Bedrock (an id, a profile id or a profile ARN)."""
    return _BEDROCK_MODEL.match(model) is not None


# The variable each setting is read from; ``region`` and ``anthropic_api_key_in_env`` come from the
# variables after it (see ``Settings.from_env``).
_VARIABLES = {
    "table_name": "TABLE_NAME",
    "secrets_prefix": "SECRETS_PREFIX",
    "stage": "STAGE",
    "model_provider": "MODEL_PROVIDER",
    "anthropic_model": "ANTHROPIC_MODEL",
    "anthropic_api_key_secret": "ANTHROPIC_API_KEY_SECRET",
    "max_output_tokens": "MAX_OUTPUT_TOKENS",
    "fallback_model": "FALLBACK_MODEL",
    "fallback_provider": "FALLBACK_MODEL_PROVIDER",
    "model_retries": "MODEL_RETRIES",
    "session_retention_days": "SESSION_RETENTION_DAYS",
    "audit_retention_days": "AUDIT_RETENTION_DAYS",
    "history_max_messages": "HISTORY_MAX_MESSAGES",
    "turn_timeout_seconds": "TURN_TIMEOUT_SECONDS",
    "tool_timeout_seconds": "TOOL_TIMEOUT_SECONDS",
    "confirmation_seconds": "CONFIRMATION_SECONDS",
    "on_disconnect": "ON_DISCONNECT",
    "auth_cache_seconds": "AUTH_CACHE_SECONDS",
    "tenant_cache_seconds": "TENANT_CACHE_SECONDS",
    "secret_cache_seconds": "SECRET_CACHE_SECONDS",
    "max_body_bytes": "MAX_BODY_BYTES",
    "http_timeout_seconds": "HTTP_TIMEOUT_SECONDS",
    "web_search_url": "WEB_SEARCH_URL",
    "web_allow_private_network": "WEB_ALLOW_PRIVATE_NETWORK",
    "switch_cache_seconds": "SWITCH_CACHE_SECONDS",
    "breaker_factor": "BREAKER_FACTOR",
    "breaker_floor_calls_per_hour": "BREAKER_FLOOR_CALLS_PER_HOUR",
    "breaker_flush_seconds": "BREAKER_FLUSH_SECONDS",
    "limits_refresh_seconds": "LIMITS_REFRESH_SECONDS",
    "event_flush_seconds": "EVENT_FLUSH_SECONDS",
    "event_flush_events": "EVENT_FLUSH_EVENTS",
    "events_poll_seconds": "EVENTS_POLL_SECONDS",
    "cancel_check_seconds": "CANCEL_CHECK_SECONDS",
    "audit_bucket": "AUDIT_BUCKET",
    "allowed_origins": "ALLOWED_ORIGINS",
}
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")  # the first one set wins
_API_KEY_VARIABLE = "ANTHROPIC_API_KEY"


class Settings(BaseModel):
    """Everything the runtime reads from its environment, validated once."""

    model_config = ConfigDict(frozen=True)

    table_name: str = "agent-runtime"
    region: str = "us-east-1"
    secrets_prefix: str = "agent-runtime"
    stage: str = "local"
    # Where the audit export writes (the AuditExportFunction; agentctl export): none locally unless set.
    audit_bucket: str | None = None

    model_provider: ModelProviderName = "auto"
    # The model of every turn a tenant does not override; its meaning follows the provider:
    # an Anthropic model id, or on Bedrock a Bedrock model id or inference profile.
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    anthropic_api_key_in_env: bool = False
    anthropic_api_key_secret: str | None = None
    # Asked when the model fails before its first event (overloaded, rate limited, unreachable) even
    # after MODEL_RETRIES more tries; its provider is the turn's unless FALLBACK_MODEL_PROVIDER says.
    fallback_model: str | None = None
    fallback_provider: ResolvedProvider | None = None
    model_retries: int = Field(default=2, ge=0, le=5)
    # Overrides every agent's max_tokens (thinking and answer together) when set.
    max_output_tokens: int | None = Field(default=None, ge=1, le=128_000)

    session_retention_days: int = Field(default=30, ge=1, le=3650)
    audit_retention_days: int = Field(default=365, ge=1, le=3650)
    history_max_messages: int = Field(default=200, ge=2, le=1000)

    turn_timeout_seconds: float = Field(default=60.0, gt=0)
    tool_timeout_seconds: float = Field(default=30.0, gt=0)
    # How long a write waiting for a person's confirmation may be approved.
    confirmation_seconds: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    # When the client goes away mid-turn, the run finishes (and is stored whole), or stops before
    # its next model or tool call.
    on_disconnect: OnDisconnect = "finish"
    auth_cache_seconds: float = Field(default=30.0, ge=0)
    tenant_cache_seconds: float = Field(default=60.0, ge=0)
    secret_cache_seconds: float = Field(default=300.0, ge=0)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    # The web origins whose pages may read the API's answers (CORS), or "*"; a tenant may add its own.
    allowed_origins: Origins = ()

    http_timeout_seconds: float = Field(default=15.0, gt=0)
    web_search_url: str = "https://html.duckduckgo.com/html/"
    # Lets visit_webpage reach loopback and private addresses. For tests only; never in AWS.
    web_allow_private_network: bool = False
    # How stale this process's view of the shared usage counters may get while in use.
    limits_refresh_seconds: float = Field(default=1.0, gt=0, le=60)

    # How old the kill switches a process acts on may be: a flip reaches every instance within it.
    switch_cache_seconds: float = Field(default=5.0, ge=0)
    # The anomaly breaker trips when a tenant's tool calls this hour exceed this many times its
    # trailing 24-hour hourly average, and the floor (so that a small tenant's busy hour does not).
    breaker_factor: float = Field(default=10.0, gt=1)
    breaker_floor_calls_per_hour: int = Field(default=500, ge=1)
    # How often a process adds the tool calls it has counted to the table (one write per tenant).
    breaker_flush_seconds: float = Field(default=10.0, ge=0)
    # A run's stream events are stored in chunks, in the background: once this long has passed
    # since the oldest one waiting, or once this many wait; the rest go with the turn's end.
    event_flush_seconds: float = Field(default=1.0, gt=0)
    event_flush_events: int = Field(default=50, ge=1, le=1000)
    # How often a client following a running run's events (or the run itself, its cancel flag)
    # reads the table.
    events_poll_seconds: float = Field(default=1.0, gt=0, le=30)
    cancel_check_seconds: float = Field(default=2.0, ge=0, le=60)

    @model_validator(mode="after")
    def _bedrock_needs_a_bedrock_model(self) -> Settings:
        if self.model_provider == "bedrock" and not is_bedrock_model(self.anthropic_model):
            raise ValueError(
                "MODEL_PROVIDER=bedrock needs ANTHROPIC_MODEL to be a Bedrock model id or inference "
                f"profile (e.g. us.anthropic.claude-sonnet-5-5), not {self.anthropic_model!r}"
            )
        return self

    @property
    def provider(self) -> ResolvedProvider:
        """Where turns go: ``auto`` is the Anthropic API if a key is configured, else the local model."""
        if self.model_provider != "auto":
            return self.model_provider
        has_key = self.anthropic_api_key_in_env or self.anthropic_api_key_secret is not None
        return "anthropic" if has_key else "local"

    @property
    def wants_anthropic(self) -> bool:
        """Whether turns go to the Anthropic API, with an API key (Bedrock needs none)."""
        return self.provider == "anthropic"

    @property
    def model_name(self) -> str:
        """The model a turn uses unless its tenant overrides it."""
        return "local" if self.provider == "local" else self.anthropic_model

    @classmethod
    def environment_names(cls) -> frozenset[str]:
        """Every environment variable ``from_env`` reads."""
        return frozenset((*_VARIABLES.values(), *_REGION_VARIABLES, _API_KEY_VARIABLE))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {field: env[var] for field, var in _VARIABLES.items() if env.get(var)}
        region = next((env[var] for var in _REGION_VARIABLES if env.get(var)), None)
        if region:
            values["region"] = region
        values["anthropic_api_key_in_env"] = bool(env.get(_API_KEY_VARIABLE))
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, parsed on first use."""
    return Settings.from_env()
