"""One chat stack in this process: moto for AWS, the table, one tenant with a key, and the real
chat app served by uvicorn on loopback. Every AWS API call the runtime makes is counted."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from moto import mock_aws

from agent_core import ModelProvider, Runtime, Settings, Tenant, issue_api_key
from bench.write_units import Units, write_units
from local.aws import ensure_table
from local.functions import load_function
from tests.support.server import serve
from tests.support.sse import Frame, parse

TABLE = "agent-runtime-bench"
TENANT = Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise", enabled_agents=("general",))
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


class AwsCalls:
    """Counts API calls (``before-call``), the time spent in them, and those that ran on an event
    loop's thread (a blocking call inside async code stalls every other request of the process)."""

    def __init__(self) -> None:
        self.reset()
        self._local = threading.local()

    def reset(self) -> None:
        self.counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.on_event_loop: Counter[str] = Counter()
        self.seconds = 0.0
        self.units = Units()

    def attach(self, session: boto3.Session) -> None:
        session.events.register("before-call.*.*", self._before)
        session.events.register("after-call.*.*", self._after)
        session.events.register("after-call-error.*.*", self._after)
        session.events.register("provide-client-params.dynamodb.*", self._params)

    def _params(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        self.units += write_units(event_name.rsplit(".", 1)[1], params)

    def _before(self, event_name: str, **_: Any) -> None:
        operation = event_name.split(".", 1)[1]
        self.counts[operation] += 1
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self.on_event_loop[operation] += 1
        self._local.started = time.perf_counter()

    def _after(self, event_name: str, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        self.seconds += time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        code = (parsed or {}).get("Error", {}).get("Code")
        if code:
            self.errors[f"{event_name.split('.', 1)[1]} ({code})"] += 1


@dataclass
class TurnResult:
    session_id: str
    wall_s: float
    aws_s: float
    calls: dict[str, int]
    errors: dict[str, int]
    on_event_loop: dict[str, int]
    write_units: Units
    frames: list[Frame] = field(repr=False)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


class ChatStack:
    def __init__(self, client: httpx.Client, key: str, calls: AwsCalls, runtime: Runtime) -> None:
        self.client = client
        self.key = key
        self.calls = calls
        self.runtime = runtime

    def turn(self, message: str = QUESTION, session_id: str | None = None) -> TurnResult:
        """One streamed turn over HTTP; it must end with ``done`` and have called ``tenant_info``."""
        body: dict[str, str] = {"message": message}
        if session_id:
            body["session_id"] = session_id
        self.calls.reset()
        started = time.perf_counter()
        response = self.client.post("/agents/general/chat/stream", json=body, headers={"X-API-Key": self.key})
        wall = time.perf_counter() - started
        frames = parse(response.text)
        if response.status_code != 200 or not frames or frames[-1].event != "done":
            raise RuntimeError(f"the turn failed: HTTP {response.status_code} {response.text[:500]}")
        if frames[-1].data.get("status") != "completed" or not any(f.event == "tool_call" for f in frames):
            raise RuntimeError(f"the turn did not call tenant_info and complete: {[f.event for f in frames]}")
        return TurnResult(
            session_id=str(frames[0].data["session_id"]),
            wall_s=wall,
            aws_s=self.calls.seconds,
            calls=dict(sorted(self.calls.counts.items())),
            errors=dict(self.calls.errors),
            on_event_loop=dict(self.calls.on_event_loop),
            write_units=self.calls.units,
            frames=frames,
        )


@contextmanager
def chat_stack(
    *,
    models: ModelProvider | None = None,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Iterator[ChatStack]:
    """The stack, fresh: caches of the serving runtime are cold until its first turn. ``secrets``
    are created in Secrets Manager first; ``env`` is added to the environment."""
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
        key, _ = issue_api_key(seeding.api_keys, TENANT.tenant_id, caller_id="acme-bench")
        runtime = Runtime(Settings.from_env(), models=models)
        app = load_function("chat").create_app(runtime)
        with serve(app) as url, httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
            yield ChatStack(client, key, calls, runtime)
