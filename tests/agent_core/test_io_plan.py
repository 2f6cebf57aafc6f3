"""The turn's I/O plan (docs/io-plan.md), held by counting AWS calls, never by timing them.

- warm, before the first model request: at most 1 call (a new session: none; a continued one: the
  history Query); the turn's begin write goes out while the model request is under way;
- a whole turn with one tool call: at most 4 calls; its stream events go with the end of the turn
  when they are few, and a long stream writes one chunk per ``EVENT_FLUSH_EVENTS`` events at most,
  in the background (the count holds with the timed flush set out of reach);
- an audit entry never holds up the next model request, and a live write's entry is written
  before the write runs;
- a run's cancel flag is read before a step only when its last read is ``CANCEL_CHECK_SECONDS``
  old (a short turn reads none), and never before the first model request;
- cold: each secret (the tenant's, the platform's model key) is read at most once;
- the kill switches and the anomaly breaker's count, even when due, come after the model is asked;
- with every limit on (turns per minute, tool calls per second, daily and monthly budgets): the
  usage counters add no call before the model request; their upkeep starts once the request is
  out, runs beside the turn, and the turn never waits for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from agent_core import (
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
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
from agent_core.store.idempotency import IdempotencyKey
from agent_core.tenancy import TenantLimits
from agent_core.tools.registry import ToolRegistry
from agent_core.web import ChatReply, chat_reply
from local.aws import ensure_table
from local.functions import load_function
from local.template import load_template
from tests.conftest import TABLE
from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api
from tests.support.aws_calls import AwsCalls
from tests.support.counting_model import CountingModel
from tests.support.server import serve

pytestmark = pytest.mark.anyio
PLATFORM_KEY = "agent-runtime/platform/anthropic"


@pytest.fixture
def calls() -> AwsCalls:
    return AwsCalls.attached()


def runtime_with(model: Any, **settings: Any) -> tuple[Runtime, str]:
    ensure_table(TABLE)
    # Events are stored by count here (a timed flush would make the count depend on the clock).
    base = Settings(table_name=TABLE, region="us-east-1", model_provider="local", event_flush_seconds=600)
    runtime = Runtime(
        base.model_copy(update=settings),
        models=model if hasattr(model, "model_for") else SingleModelProvider(model),
        agents=AgentRegistry([general, ORDERS]),
    )
    every_limit = TenantLimits(daily_budget_usd=Decimal("50"), monthly_budget_usd=Decimal("500"))
    runtime.tenants.put(
        Tenant(
            tenant_id="acme",
            name="Acme",
            enabled_agents=("general", "orders"),
            writes="live",
            limits=every_limit,
        )
    )
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-user", scopes=["chat:write"])
    return runtime, key


async def turn(
    runtime: Runtime, key: str, message: str, session_id: str | None = None, agent: str = "general"
) -> ChatReply:
    caller = runtime.authenticator.authenticate(key)
    started = await runtime.chat.start(caller, agent, TurnRequest(message=message, session_id=session_id))
    return await chat_reply(started)


def tool_turn() -> list[Any]:
    return [call("tenant_info"), say("You are Acme.")]


async def test_warm_a_new_session_asks_the_model_before_any_aws_call(calls: AwsCalls) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model)
    await turn(runtime, key, "warm the caches")
    await runtime.limits.flush()  # what the first turn counted is written: it is not this turn's
    calls.reset()
    model.calls_before.clear()

    reply = await turn(runtime, key, "who am I?")

    assert reply.status == "completed" and model.refusals == []
    assert model.calls_before[0] == 0, calls.sent  # the begin write runs beside the model request
    assert len(calls.turn) <= 4 and calls.turn == [
        "dynamodb.TransactWriteItems",  # begin: the session, the run's start and lease, the message
        "dynamodb.PutItem",  # the audit entry of the tool call
        "dynamodb.TransactWriteItems",  # end: the turn's messages and the run's final record
    ]
    # Beside it, the turn's usage counted: the turn, the tool call, the two requests' spend.
    assert set(calls.counters) <= {"dynamodb.UpdateItem", "dynamodb.BatchGetItem"}


async def test_warm_a_continued_session_reads_its_history_once_before_the_model(calls: AwsCalls) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model)
    first = await turn(runtime, key, "who am I?")
    await runtime.limits.flush()
    calls.reset()
    model.calls_before.clear()

    reply = await turn(runtime, key, "and again?", first.session_id)

    assert reply.status == "completed"
    assert model.calls_before[0] == 1 and calls.sent[0] == "dynamodb.Query"
    assert len(calls.turn) <= 4, calls.sent


async def test_the_kill_switch_and_the_breaker_ask_nothing_before_the_model_even_when_due(
    calls: AwsCalls,
) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model, switch_cache_seconds=0, breaker_flush_seconds=0)
    await turn(runtime, key, "warm the caches")
    # What the first turn counted is written (in the background, after it ended when the machine is
    # busy): without waiting, its last counter write could be counted as this turn's first call.
    await runtime.limits.flush()
    calls.reset()
    model.calls_before.clear()

    reply = await turn(runtime, key, "who am I?")

    assert reply.status == "completed"
    assert model.calls_before[0] == 0, calls.sent  # the switches are read while the model works
    assert calls.turn[0] == "dynamodb.BatchGetItem" and calls.turn.count("dynamodb.UpdateItem") == 1


async def test_an_audit_entry_does_not_hold_up_the_next_model_request(calls: AwsCalls) -> None:
    model = CountingModel(tool_turn(), calls)
    runtime, key = runtime_with(model)
    calls.reset()
    next_request_went_out = threading.Event()
    asked_while_held: list[bool] = []

    def slow_audit(name: str, params: dict[str, Any]) -> None:
        if name == "dynamodb.PutItem" and "AUDIT" in str(params["Item"]["PK"]):
            # The entry is held here until the model has been asked again; if the entry held up
            # that request, this would wait out its timeout and note False.
            asked_while_held.append(next_request_went_out.wait(timeout=5))

    calls.delay = slow_audit
    original = model.stream

    async def noting(request: ModelRequest) -> AsyncIterator[ModelEvent]:
        if len(model.calls_before) == 1:
            next_request_went_out.set()
        async for event in original(request):
            yield event

    model.stream = noting  # type: ignore[method-assign]
    reply = await turn(runtime, key, "who am I?")

    assert reply.status == "completed"
    assert asked_while_held == [True]
    assert calls.count("dynamodb.PutItem") == 1  # and it was awaited before the turn ended


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str) -> dict[str, str]:
    """Place an order (a write)."""
    return {"order": product}


ORDERS = Agent(
    id="orders",
    title="Orders",
    description="Places orders.",
    prompt="Place orders.",
    tools=ToolRegistry([place_order]),
)


async def test_a_live_write_is_audited_before_it_runs(calls: AwsCalls) -> None:
    model = CountingModel([call("place_order", {"product": "anvil"}), say("Ordered.")], calls)
    runtime, key = runtime_with(model)
    calls.reset()
    audits_when_written: list[int] = []
    original = place_order.function

    async def counting(ctx: RunContext, product: str) -> object:
        audits_when_written.append(calls.count("dynamodb.PutItem"))
        return await original(ctx, product=product)

    object.__setattr__(place_order, "function", counting)
    try:
        reply = await turn(runtime, key, "order an anvil", agent="orders")
    finally:
        object.__setattr__(place_order, "function", original)

    assert reply.status == "completed" and [c.mode for c in reply.tool_calls] == ["live"]
    assert audits_when_written == [1]  # its entry was stored before it ran
    assert calls.count("dynamodb.PutItem") == 2  # and again with its outcome
    entries = runtime.audit.list_for_agent("acme", "orders", limit=10, cursor=None).items
    assert [(e.tool, e.ok) for e in entries] == [("place_order", True)]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key="sk-platform") as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        yield api


async def test_cold_each_secret_is_read_once(calls: AwsCalls, fake: FakeMessagesAPI) -> None:
    runtime, key = runtime_with(None)
    runtime.secretsmanager.create_secret(Name=PLATFORM_KEY, SecretString="sk-platform")
    runtime = Runtime(
        runtime.settings.model_copy(
            update={"model_provider": "anthropic", "anthropic_api_key_secret": PLATFORM_KEY}
        ),
        agents=AgentRegistry([general]),
    )
    for _ in range(2):
        fake.reply_tool_use("tenant_info", {}, tool_use_id=f"toolu_{time.monotonic_ns()}")
        fake.reply_text("You are Acme.")
    calls.reset()

    first = await turn(runtime, key, "who am I?")
    second = await turn(runtime, key, "and now?", first.session_id)

    assert (first.status, second.status) == ("completed", "completed"), (first, second)
    assert len(fake.requests) == 4 and fake.refusals == []
    assert dict(calls.secrets) == {PLATFORM_KEY: 1, "agent-runtime/tenants/acme": 1}
    assert runtime.settings.anthropic_model == DEFAULT_ANTHROPIC_MODEL


async def test_after_a_snapstart_restore_the_platform_key_is_read_before_traffic(
    calls: AwsCalls, fake: FakeMessagesAPI
) -> None:
    runtime, key = runtime_with(None)
    runtime.secretsmanager.create_secret(Name=PLATFORM_KEY, SecretString="sk-platform")
    settings = runtime.settings.model_copy(
        update={"model_provider": "anthropic", "anthropic_api_key_secret": PLATFORM_KEY}
    )
    runtime = Runtime(settings, agents=AgentRegistry([general]))
    chat = load_function("chat")
    variables = load_template()["Resources"]["ChatFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH"] == chat.AFTER_RESTORE_PATH
    fake.reply_text("Hello.")
    calls.reset()

    with serve(chat.create_app(runtime)) as base:
        async with httpx.AsyncClient() as client:
            restored = await client.post(base + chat.AFTER_RESTORE_PATH)
    warmed = dict(calls.secrets)
    reply = await turn(runtime, key, "hello")

    assert restored.json() == {"status": "warm"} and warmed == {PLATFORM_KEY: 1}
    assert reply.status == "completed" and calls.secrets[PLATFORM_KEY] == 1  # the turn found it read


async def test_a_warm_turn_never_waits_for_the_usage_counters(calls: AwsCalls) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model)
    await turn(runtime, key, "warm the caches")
    await runtime.limits.flush()
    calls.reset()
    turn_over = threading.Event()
    held: list[bool] = []

    def hold_the_counters(name: str, params: dict[str, Any]) -> None:
        if name == "dynamodb.UpdateItem" and "#TURNS#" in str(params["Key"]):
            # Held until the turn has ended: a turn that waited for it would time out here.
            held.append(turn_over.wait(timeout=5))

    calls.delay = hold_the_counters
    reply = await turn(runtime, key, "who am I?")
    turn_over.set()
    await runtime.limits.flush()

    assert reply.status == "completed"
    assert held == [True]  # the turn's own count was written, after the turn had ended
    assert calls.turn == ["dynamodb.TransactWriteItems", "dynamodb.PutItem", "dynamodb.TransactWriteItems"]


async def test_an_idempotency_key_costs_one_read_before_the_model_and_a_retry_no_model_request(
    calls: AwsCalls,
) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model)
    await turn(runtime, key, "warm the caches")
    await runtime.limits.flush()
    calls.reset()
    model.calls_before.clear()
    caller = runtime.authenticator.authenticate(key)
    keyed = TurnRequest(message="who am I?", idempotency=IdempotencyKey.of("k-1", {"message": "who am I?"}))

    first = await chat_reply(await runtime.chat.start(caller, "general", keyed))

    assert first.status == "completed"
    assert model.calls_before[0] == 1 and calls.turn[0] == "dynamodb.GetItem"  # the key, looked up
    assert calls.turn[1:] == [
        "dynamodb.TransactWriteItems",
        "dynamodb.PutItem",
        "dynamodb.TransactWriteItems",
    ]
    calls.reset()

    retry = await chat_reply(await runtime.chat.start(caller, "general", keyed))

    assert retry == first
    assert len(model.calls_before) == 2  # the retry asked the model nothing
    assert calls.turn == ["dynamodb.GetItem", "dynamodb.GetItem"] and calls.counters == []  # key, run


async def test_a_long_stream_stores_its_events_in_a_few_background_chunks_and_the_rest_at_the_end(
    calls: AwsCalls,
) -> None:
    words = [f"word{n} " for n in range(40)]
    model = CountingModel([say(*words)], calls)
    model.pause_seconds = 0.001  # the background writer gets its turns while the model streams
    runtime, key = runtime_with(model, event_flush_events=10)
    calls.reset()

    reply = await turn(runtime, key, "talk to me")

    chunk_puts = calls.turn.count("dynamodb.PutItem")
    assert reply.status == "completed"
    assert 1 <= chunk_puts <= 4, calls.turn  # 42 events, 10 a chunk: never one write per event
    assert calls.turn.count("dynamodb.TransactWriteItems") == 2  # begin, and end with the rest
    stored = runtime.run_events.after("acme", reply.run_id, 0)
    assert [item.seq for item in stored] == list(range(1, 43))  # each once, in order
    assert [item.event.type for item in stored[:2]] == ["run_started", "text_delta"]
    assert stored[-1].event.type == "done"


async def test_a_run_reads_its_cancel_flag_only_before_a_step_and_only_when_due(calls: AwsCalls) -> None:
    model = CountingModel([*tool_turn(), *tool_turn()], calls)
    runtime, key = runtime_with(model, cancel_check_seconds=0)  # due before every step
    await turn(runtime, key, "warm the caches")
    await runtime.limits.flush()
    calls.reset()
    model.calls_before.clear()

    reply = await turn(runtime, key, "who am I?")

    assert reply.status == "completed"
    assert model.calls_before[0] == 0  # the first request went out before anything was read
    # before each of the two model requests and the tool call; by default (2 s) a turn this
    # short reads none (the tests above)
    assert calls.turn.count("dynamodb.GetItem") == 3, calls.turn
