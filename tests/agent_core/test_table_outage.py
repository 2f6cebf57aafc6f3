"""The table goes away in the middle of a turn: the stream still ends well, nothing is left
inconsistent, and the session takes its next turn within seconds of the deadline.

The table is cut at the wire: every DynamoDB call fails as an unreachable endpoint would, from the
moment the test says so until it restores it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import (
    DeadlineExceeded,
    ModelRequest,
    RunContext,
    Runtime,
    Settings,
    SingleModelProvider,
    Tenant,
    TurnRequest,
    issue_api_key,
    tool,
)
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.general import general
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ModelEvent
from agent_core.store.runs import LEASE_SECONDS_AFTER_DEADLINE
from agent_core.tools.registry import ToolRegistry
from agent_core.web import ChatReply, chat_reply
from local.aws import ensure_table
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.aws_calls import AwsCalls

pytestmark = pytest.mark.anyio
TURN_SECONDS = 1.0
PLACED: list[str] = []


class Table:
    """Cut and restore the table, as seen from the runtime; knows when a turn has begun."""

    def __init__(self, calls: AwsCalls) -> None:
        self.calls = calls
        self.down = threading.Event()
        self.begun = threading.Event()  # a turn's begin transaction has been written
        calls.delay = self._refuse
        session = boto3.DEFAULT_SESSION
        assert session is not None
        session.events.register("after-call.dynamodb.TransactWriteItems", self._written)

    def _refuse(self, name: str, params: dict[str, Any]) -> None:
        if self.down.is_set() and name.startswith("dynamodb."):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    def _written(self, **_: Any) -> None:
        self.begun.set()


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str) -> dict[str, str]:
    """Place an order (a write that reaches the tenant's system)."""
    PLACED.append(product)
    if "writing" in CUT_WHILE:
        CUT_WHILE["writing"].down.set()  # the write has reached the tenant's system
    return {"order": product}


@tool
async def look_up(ctx: RunContext, what: str) -> dict[str, str]:
    """Look something up."""
    if "reading" in CUT_WHILE:
        CUT_WHILE["reading"].down.set()
    return {"found": what}


CUT_WHILE: dict[str, Table] = {}  # the table to cut while a tool is "reading" or "writing"
SHOP = Agent(
    id="shop",
    title="Shop",
    description="Orders things.",
    prompt="Help.",
    tools=ToolRegistry([place_order, look_up]),
)


class CuttingModel(ScriptedModel):
    """Cuts the table while answering its ``at``-th request (from 1), once the turn has begun."""

    def __init__(self, steps: Any, table: Table, at: int | None, back_after: float | None = None) -> None:
        super().__init__(steps)
        self.table = table
        self.at = at
        self.back_after = back_after

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        async for event in super().stream(request):
            if self.at is not None and len(self.requests) == self.at:
                await asyncio.to_thread(self.table.begun.wait, 5)
                self.table.down.set()
                if self.back_after is not None:
                    threading.Timer(self.back_after, self.table.down.clear).start()
            yield event


def runtime_with(model: ScriptedModel) -> tuple[Runtime, str]:
    ensure_table(TABLE)
    settings = Settings(
        table_name=TABLE, region="us-east-1", model_provider="local", turn_timeout_seconds=TURN_SECONDS
    )
    runtime = Runtime(settings, models=SingleModelProvider(model), agents=AgentRegistry([general, SHOP]))
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("shop",), writes="live"))
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-user", scopes=["chat:write"])
    return runtime, key


async def turn(runtime: Runtime, key: str, message: str, session_id: str | None = None) -> ChatReply:
    caller = runtime.authenticator.authenticate(key)
    started = await runtime.chat.start(caller, "shop", TurnRequest(message=message, session_id=session_id))
    return await chat_reply(started)


async def next_turn_after_the_lease(runtime: Runtime, key: str, session_id: str, started: float) -> ChatReply:
    """The session's next turn, once the failed turn's lease has run out (the deadline, plus a few
    seconds); any earlier, the session is still busy."""
    await asyncio.sleep(
        max(0.0, started + TURN_SECONDS + LEASE_SECONDS_AFTER_DEADLINE + 1.1 - time.monotonic())
    )
    return await turn(runtime, key, "and now?", session_id)


@pytest.fixture
def table() -> Table:
    CUT_WHILE.clear()
    PLACED.clear()
    return Table(AwsCalls.attached())


async def test_cut_while_the_model_answers(table: Table) -> None:
    model = CuttingModel([say("Here ", "you are."), say("Back again.")], table, at=1)
    runtime, key = runtime_with(model)
    started = time.monotonic()

    reply = await turn(runtime, key, "hello")
    table.down.clear()

    assert (reply.status, reply.error and reply.error.code) == ("failed", "storage_unavailable")
    assert reply.reply == "Here you are."  # what the user read
    after = await next_turn_after_the_lease(runtime, key, reply.session_id, started)
    assert after.status == "completed", after
    run = runtime.runs.get("acme", reply.run_id)
    assert run is not None and (run.status, run.error and run.error.code) == ("failed", "run_lost")
    history = runtime.sessions.load("acme", reply.session_id, datetime.now(UTC))
    assert [m.text for m in history.messages if m.role == "user"] == ["hello", "and now?"]


async def test_cut_during_a_tool_call(table: Table) -> None:
    model = CuttingModel(
        [call("look_up", {"what": "anvils"}), say("Found them."), say("Again.")], table, at=None
    )
    runtime, key = runtime_with(model)
    CUT_WHILE["reading"] = table
    started = time.monotonic()

    reply = await turn(runtime, key, "find anvils")
    table.down.clear()

    assert reply.status == "failed" and reply.error is not None
    after = await next_turn_after_the_lease(runtime, key, reply.session_id, started)
    assert after.status == "completed", after
    run = runtime.runs.get("acme", reply.run_id)
    assert run is not None and run.status == "failed"


async def test_cut_during_a_live_write_leaves_its_audit_entry(table: Table) -> None:
    model = CuttingModel(
        [call("place_order", {"product": "anvil"}), say("Ordered."), say("Again.")], table, at=None
    )
    runtime, key = runtime_with(model)
    CUT_WHILE["writing"] = table
    started = time.monotonic()

    reply = await turn(runtime, key, "order an anvil")
    table.down.clear()

    assert PLACED == ["anvil"] and reply.status == "failed"
    entries = runtime.audit.list_for_agent("acme", "shop", limit=10, cursor=None).items
    assert [(e.tool, e.mode, e.ok) for e in entries] == [("place_order", "live", None)]  # outcome unknown
    after = await next_turn_after_the_lease(runtime, key, reply.session_id, started)
    assert after.status == "completed", after
    run = runtime.runs.get("acme", reply.run_id)
    assert run is not None and run.status == "failed"


async def test_a_table_back_within_the_deadline_finalises_the_run(table: Table) -> None:
    model = CuttingModel([say("Here ", "you are.")], table, at=1, back_after=0.3)
    runtime, key = runtime_with(model)

    reply = await turn(runtime, key, "hello")

    assert reply.status == "completed", reply
    run = runtime.runs.get("acme", reply.run_id)
    assert run is not None and run.status == "completed" and run.reply == "Here you are."


async def test_a_slow_table_before_the_stream_ends_as_a_504_within_the_deadline(table: Table) -> None:
    runtime, key = runtime_with(CuttingModel([say("Hi.")], table, at=None))
    caller = runtime.authenticator.authenticate(key)
    stalled = threading.Event()

    def slow_tenant(name: str, params: dict[str, Any]) -> None:
        if name == "dynamodb.GetItem" and params["Key"]["SK"]["S"] == "TENANT":
            stalled.wait(TURN_SECONDS * 3)  # a table that answers, but far too late

    table.calls.delay = slow_tenant
    try:
        with pytest.raises(DeadlineExceeded) as failure:
            await runtime.chat.start(caller, "shop", TurnRequest(message="hello"))
    finally:
        stalled.set()

    assert failure.value.status == 504


async def test_audit_writes_that_hang_leave_the_turn_time_to_store_itself(
    table: Table, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, key = runtime_with(
        CuttingModel([call("look_up", {"what": "anvils"}), say("Found.")], table, at=None)
    )
    stalled = threading.Event()

    def hanging_audit(name: str, params: dict[str, Any]) -> None:
        if name == "dynamodb.PutItem" and params["Item"]["PK"]["S"].startswith("TENANT#acme#AUDIT#"):
            stalled.wait(TURN_SECONDS + LEASE_SECONDS_AFTER_DEADLINE + 5)  # past the whole grace

    table.calls.delay = hanging_audit
    started = time.monotonic()
    try:
        reply = await turn(runtime, key, "find anvils")
    finally:
        stalled.set()

    assert time.monotonic() - started < TURN_SECONDS + LEASE_SECONDS_AFTER_DEADLINE
    assert (reply.status, reply.error and reply.error.code) == ("failed", "storage_unavailable")
    run = runtime.runs.get("acme", reply.run_id)
    assert run is not None and run.status == "completed" and run.reply == "Found."  # the turn is stored
    [lost] = [r for r in caplog.records if r.getMessage() == "audit entry not stored"]
    assert lost.entry["tool"] == "look_up"  # type: ignore[attr-defined]  # the operator has it
