"""One chat stack in this process: moto for AWS, the table, one tenant with a key, and the real
chat app served by uvicorn on loopback. Every AWS API call the runtime makes is counted."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import boto3
import httpx
from moto import mock_aws

from agent_core import ModelProvider, Runtime, Settings, Tenant, issue_api_key
from bench.aws_calls import AwsCalls
from bench.timed_stream import Endpoint, Timed, timed_turn
from local.aws import ensure_table
from local.functions import load_function
from tests.support.server import serve

TABLE = "agent-runtime-bench"
TENANT = Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise", enabled_agents=("general",))
CALLER_ID = "acme-bench"
QUESTION = "Which tenant and plan am I on? Use tenant_info."
AWS_ENV = {
    "TABLE_NAME": TABLE,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "ANTHROPIC_", "MODEL_PROVIDER")


@contextmanager
def environment(extra: dict[str, str]) -> Iterator[None]:
    """Only moto's fake AWS and what ``extra`` says; the previous environment afterwards."""
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith(CLEARED)]:
        del os.environ[name]
    os.environ.update(AWS_ENV | extra)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class ChatStack:
    """The real chat app, served: :meth:`turn` runs one measured turn of it."""

    def __init__(
        self,
        client: httpx.Client,
        key: str,
        calls: AwsCalls,
        runtime: Runtime,
        other_cpu: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.client = client
        self.key = key
        self.calls = calls
        self.runtime = runtime
        self.other_cpu = other_cpu
        self.endpoint = Endpoint(
            "/agents/general/chat/stream",
            {"X-API-Key": key},
            "text_delta",
            lambda frame: frame.data["session_id"],
        )

    def turn(self, message: str = QUESTION, session_id: str | None = None) -> Timed:
        """One streamed turn over HTTP; it must complete and have called ``tenant_info``."""
        timed = timed_turn(self.client, self.endpoint, self.calls, message, session_id, self.other_cpu)
        if timed.frames[-1].data.get("status") != "completed" or not any(
            frame.event == "tool_call" for frame in timed.frames
        ):
            raise RuntimeError(f"the turn did not call tenant_info and complete: {timed.events}")
        return timed


@contextmanager
def chat_stack(
    *,
    models: ModelProvider | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    other_cpu: Callable[[], float] = lambda: 0.0,
) -> Iterator[ChatStack]:
    """The stack, fresh: caches of the serving runtime are cold until its first turn. ``secrets``
    are created in Secrets Manager first; ``env`` is added to the environment; ``other_cpu`` is the
    running total of CPU time spent by fakes in this process (see :func:`timed_turn`)."""
    with environment(env or {}), mock_aws():
        # moto swaps out boto3's default session; every client made from here on copies this one's hooks
        session = boto3.DEFAULT_SESSION = boto3.Session()
        calls = AwsCalls()
        calls.attach(session)
        ensure_table(TABLE)
        for name, value in (secrets or {}).items():
            session.client("secretsmanager").create_secret(Name=name, SecretString=value)
        seeding = Runtime(Settings(table_name=TABLE, model_provider="local"))
        seeding.tenants.put(TENANT)
        key, _ = issue_api_key(seeding.api_keys, TENANT.tenant_id, caller_id=CALLER_ID)
        runtime = Runtime(Settings.from_env(), models=models)
        app = load_function("chat").create_app(runtime)
        with serve(app) as url, httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
            yield ChatStack(client, key, calls, runtime, other_cpu)
