"""Shared fixtures: AWS behind moto always, the table from template.yaml, demo tenants, runtimes."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from moto import mock_aws

from agent_core import Runtime, Settings, SingleModelProvider, Tenant, get_settings, issue_api_key
from agentctl.stacks import STACK_FILE_VARIABLE
from local.aws import ensure_table
from local.state import STATE_DIR_VARIABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.atomic_moto import make_writes_atomic
from tests.support.openapi_check import OpenApiCheck, checked_handle_async_request, checked_handle_request

# Every log line of the run, for tests/test_logs.py's audit (no secret may be logged).
pytest_plugins = ["tests.support.log_audit"]

TABLE = "agent-runtime-test"
# What a developer's shell may hold that would change what a test sees; tests set what they need.
# Every variable Settings reads, and, by hand since Settings does not read them, what the local stack
# and agentctl read besides: its ports, its state folder, the stack file.
ENVIRONMENT_VARIABLES = Settings.environment_names() | {
    "PORT",
    "MOTO_PORT",
    "ERP_PORT",
    "PROJECTS_PORT",
    STATE_DIR_VARIABLE,
    STACK_FILE_VARIABLE,
}


@pytest.fixture(autouse=True)
def _aws_behind_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test can reach AWS: fake credentials, no endpoint override, moto on every client."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "ANTHROPIC_")) or name in ENVIRONMENT_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", TABLE)
    make_writes_atomic(monkeypatch)
    with mock_aws():
        yield


@pytest.fixture(autouse=True)
def _clients_collected_between_tests() -> Iterator[None]:
    """Collect what a test left behind while no event loop runs. The Anthropic SDK closes an
    unclosed async client when it is collected, on whatever loop is running then: collected
    during a later test, a client bound to an earlier test's closed loop fails that test."""
    yield
    gc.collect()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def table() -> str:
    ensure_table(TABLE)
    return TABLE


@pytest.fixture
def settings() -> Settings:
    return Settings(table_name=TABLE, region="us-east-1", model_provider="local")


RuntimeFactory = Callable[..., Runtime]


@pytest.fixture
def make_runtime(table: str, settings: Settings) -> RuntimeFactory:
    """A runtime on the moto table; pass a model (or provider) and setting overrides."""

    def build(model: Any = None, **overrides: object) -> Runtime:
        provider = model if model is None or hasattr(model, "model_for") else SingleModelProvider(model)
        return Runtime(settings.model_copy(update=overrides), models=provider)

    return build


# The demo tenants' keys may do what a tenant's user may (tests of a narrower key issue their own).
USER_SCOPES = ("chat", "chat:write", "audit:read")


@dataclass(frozen=True)
class DemoTenant:
    tenant: Tenant
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


@pytest.fixture
def tenants(make_runtime: RuntimeFactory) -> dict[str, DemoTenant]:
    """acme and globex, each with a key, written through the real stores."""
    runtime = make_runtime()
    made = {}
    for tenant in (
        Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise"),
        Tenant(tenant_id="globex", name="Globex Corporation", plan="growth"),
    ):
        runtime.tenants.put(tenant)
        key, _ = issue_api_key(
            runtime.api_keys, tenant.tenant_id, caller_id=f"{tenant.tenant_id}-user", scopes=USER_SCOPES
        )
        made[tenant.tenant_id] = DemoTenant(tenant, key)
    return made


@pytest.fixture
def scripted() -> Callable[..., ScriptedModel]:
    return ScriptedModel


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "not_the_api: the test's server stands in for the API; its answers are not checked"
    )


@pytest.fixture(autouse=True)
def _responses_match_the_openapi_document(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every response a test receives from a route of the API is what the OpenAPI document says
    (tests/support/openapi_check.py); the test fails at its end, each mismatch named, if not. A
    test whose server only stands in for the API on its paths says so: ``@pytest.mark.not_the_api``."""
    OpenApiCheck.failures.clear()
    if request.node.get_closest_marker("not_the_api") is not None:
        yield
        return
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", checked_handle_request)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", checked_handle_async_request)
    yield
    failures, OpenApiCheck.failures[:] = list(OpenApiCheck.failures), []
    assert not failures, "responses the OpenAPI document does not describe:\n" + "\n".join(failures)
