"""The process's services, built lazily once: clients, stores, the authenticator, the model."""

from __future__ import annotations

import contextlib
import os
from functools import cached_property
from typing import TYPE_CHECKING

from agent_core.auth import Authenticator
from agent_core.aws import AwsClients
from agent_core.errors import AgentRuntimeError, NotFound
from agent_core.llm.model import ModelProvider, SingleModelProvider
from agent_core.secrets import Secrets
from agent_core.settings import Settings, get_settings
from agent_core.store.api_keys import ApiKeyStore
from agent_core.store.audit import AuditStore
from agent_core.store.counters import CounterStore
from agent_core.store.memory import SessionMemory
from agent_core.store.run_events import RunEventStore
from agent_core.store.runs import RunStore
from agent_core.store.sessions import SessionStore
from agent_core.store.switches import SwitchStore
from agent_core.store.table import Table
from agent_core.store.tenants import TenantStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_secretsmanager.client import SecretsManagerClient

    from agent_core.agents.registry import AgentRegistry
    from agent_core.chat import ChatService
    from agent_core.confirmations import Confirmations
    from agent_core.following import RunFollower
    from agent_core.guardrails.anomaly_breaker import AnomalyBreaker
    from agent_core.guardrails.breaker_alert import EventBus
    from agent_core.guardrails.kill_switch import KillSwitch
    from agent_core.limits import UsageLimits
    from agent_core.tenancy import Caller
    from agent_core.tools.services import ToolServices


class Runtime:
    """Everything a function needs, created on first use (no AWS call at import or init).

    Tests build one with their own settings and model provider; AWS clients come from boto3, so
    moto (in-process or on loopback through ``AWS_ENDPOINT_URL``) stands in for AWS. ``aws`` says
    where the clients go (``agentctl`` passes its target's endpoint); by default, the settings' region.
    The agents, their tools and the chat service are imported where first needed: the executions
    and health functions import this module and must not load every tool's dependencies.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        models: ModelProvider | None = None,
        agents: AgentRegistry | None = None,
        aws: AwsClients | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.aws = aws or AwsClients(region=self.settings.region)
        self._models = models
        self._agents = agents

    @cached_property
    def agents(self) -> AgentRegistry:
        if self._agents is not None:
            return self._agents
        from agent_core.agents.registry import default_agents

        return default_agents()

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        client: DynamoDBClient = self.aws.client("dynamodb")
        return client

    @cached_property
    def secretsmanager(self) -> SecretsManagerClient:
        client: SecretsManagerClient = self.aws.client("secretsmanager")
        return client

    @cached_property
    def table(self) -> Table:
        return Table(self.dynamodb, self.settings.table_name)

    @cached_property
    def tenants(self) -> TenantStore:
        return TenantStore(self.table, cache_seconds=self.settings.tenant_cache_seconds)

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        return ApiKeyStore(self.table)

    @cached_property
    def sessions(self) -> SessionStore:
        return SessionStore(
            self.table,
            self.runs,
            retention_days=self.settings.session_retention_days,
            max_messages=self.settings.history_max_messages,
        )

    @cached_property
    def memory(self) -> SessionMemory:
        return SessionMemory(self.sessions)

    @cached_property
    def runs(self) -> RunStore:
        return RunStore(self.table, retention_days=self.settings.audit_retention_days)

    @cached_property
    def run_events(self) -> RunEventStore:
        """The stream events of runs (the run's own retention)."""
        return RunEventStore(self.table, retention_days=self.settings.audit_retention_days)

    def follower(self, caller: Caller, run_id: str, *, after: int) -> RunFollower:
        """The stream events of the run ``run_id`` after number ``after``, followed until it ends
        (blocking: reads the run first). A run the caller may not see (another tenant's, another
        caller's or end user's), or none, is a 404."""
        from agent_core.following import RunFollower
        from agent_core.store.run_filter import RunFilter

        run = self.runs.get_for(caller.tenant_id, RunFilter.seen_by(caller), run_id)
        if run is None:
            raise NotFound(f"there is no run {run_id!r}", code="run_not_found")
        return RunFollower(
            self.runs, self.run_events, run, after=after, poll_seconds=self.settings.events_poll_seconds
        )

    @cached_property
    def audit(self) -> AuditStore:
        return AuditStore(self.table, retention_days=self.settings.audit_retention_days)

    @cached_property
    def secrets(self) -> Secrets:
        return Secrets(
            self.secretsmanager,
            prefix=self.settings.secrets_prefix,
            cache_seconds=self.settings.secret_cache_seconds,
        )

    @cached_property
    def authenticator(self) -> Authenticator:
        return Authenticator(self.api_keys, cache_seconds=self.settings.auth_cache_seconds)

    @cached_property
    def models(self) -> ModelProvider:
        if self._models is not None:
            return self._models
        return self._provider(self.settings.provider, self.settings.anthropic_model)

    @cached_property
    def fallback_models(self) -> ModelProvider | None:
        """The provider of the model a turn switches to when its own fails at once, if configured."""
        model = self.settings.fallback_model
        if model is None:
            return None
        return self._provider(self.settings.fallback_provider or self.settings.provider, model)

    def _provider(self, provider: str, model: str) -> ModelProvider:
        if provider == "local":
            from agent_core.llm.local import LocalModel

            return SingleModelProvider(LocalModel())
        # The SDK costs seconds to import: only the chat function gets this far.
        if provider == "bedrock":
            from agent_core.llm.bedrock import BedrockProvider

            return BedrockProvider(model=model, region=self.settings.region)
        from agent_core.llm.anthropic import AnthropicProvider

        return AnthropicProvider(model=model, platform_key=self._platform_model_key)

    @cached_property
    def chat(self) -> ChatService:
        from agent_core.chat import ChatService
        from agent_core.guardrails import default_guardrails

        return ChatService(
            settings=self.settings,
            agents=self.agents,
            tenants=self.tenants,
            sessions=self.sessions,
            audit=self.audit,
            run_events=self.run_events,
            secrets=self.secrets,
            models=self.models,
            fallback_models=self.fallback_models,
            tool_services=self.tool_services,
            guardrails=default_guardrails(self),
            limits=self.limits,
        )

    @cached_property
    def switches(self) -> SwitchStore:
        return SwitchStore(self.table, log_retention_days=self.settings.audit_retention_days)

    @cached_property
    def kill_switch(self) -> KillSwitch:
        from agent_core.guardrails.kill_switch import KillSwitch

        return KillSwitch(self.switches, cache_seconds=self.settings.switch_cache_seconds)

    @cached_property
    def events(self) -> EventBus:
        client: EventBus = self.aws.client("events")
        return client

    @cached_property
    def anomaly_breaker(self) -> AnomalyBreaker:
        from agent_core.guardrails.anomaly_breaker import AnomalyBreaker
        from agent_core.guardrails.breaker_alert import BreakerAlert
        from agent_core.store.tool_counts import ToolCallCounts

        settings = self.settings
        return AnomalyBreaker(
            ToolCallCounts(self.table),
            self.switches,
            self.kill_switch,
            BreakerAlert(lambda: self.events, stage=settings.stage),
            factor=settings.breaker_factor,
            floor=settings.breaker_floor_calls_per_hour,
            flush_seconds=settings.breaker_flush_seconds,
        )

    @cached_property
    def confirmations(self) -> Confirmations:
        from agent_core.confirmations import Confirmations

        return Confirmations(self.chat)

    @cached_property
    def counters(self) -> CounterStore:
        return CounterStore(self.table)

    @cached_property
    def limits(self) -> UsageLimits:
        """Every tenant's rate limits and budgets, as this process sees the shared counters."""
        from agent_core.limits import UsageLimits

        return UsageLimits(self.counters, refresh_seconds=self.settings.limits_refresh_seconds)

    @cached_property
    def tool_services(self) -> ToolServices:
        from agent_core.tools.odoo.uids import OdooUids
        from agent_core.tools.services import ToolServices
        from agent_core.tools.web.rules import WebRules

        return ToolServices(
            self.settings, web_rules=WebRules.from_settings(self.settings), odoo_uids=OdooUids()
        )

    def prepare(self) -> None:
        """Build the AWS clients, the model client and the chat service now, without calling anything.

        The chat function calls this at init, so SnapStart's snapshot holds them (and the imports
        of the SDK, the agents and their tools); no connection exists yet, so none is carried
        across a restore.
        """
        _ = self.dynamodb, self.secretsmanager, self.models, self.chat

    def warm(self) -> None:
        """After a SnapStart restore, before traffic: read what every turn needs and no snapshot
        may hold, the platform's model key (cached from then on), which also opens the
        connection to Secrets Manager. A failure is left for the first turn to report."""
        if self.settings.wants_anthropic:
            with contextlib.suppress(AgentRuntimeError):
                self._platform_model_key()

    def _platform_model_key(self) -> str | None:
        env_key = os.environ.get("ANTHROPIC_API_KEY")
        if env_key:
            return env_key
        name = self.settings.anthropic_api_key_secret
        return self.secrets.text(name) if name else None
