"""A chat POST retried with the same ``Idempotency-Key``, over real HTTP: the first request's turn
answers every retry (streamed, JSON, task API) and nothing runs twice; the key is the caller's own;
another request under it is refused; a retry while the turn still runs is told to wait.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from agent_core import (
    RunContext,
    Runtime,
    Settings,
    SingleModelProvider,
    Tenant,
    default_agents,
    issue_api_key,
    tool,
)
from agent_core.agents import Agent, AgentRegistry
from agent_core.llm.scripted import call, say
from agent_core.tools.registry import ToolRegistry
from local.aws import ensure_table
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

STREAM = "/agents/shop/chat/stream"
JSON = "/agents/shop/chat"
TASK = "/api/v1/agent/execute"
REPLAYED = "Idempotent-Replayed"


@dataclass
class Supplier:
    """The tenant's order system: every order placed, and a gate that holds the next one."""

    placed: list[str]
    gate: threading.Event | None = None
    entered: threading.Event | None = None


SUPPLIER = Supplier(placed=[])


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str) -> dict[str, Any]:
    """Place an order with the supplier."""
    if SUPPLIER.entered is not None:
        SUPPLIER.entered.set()
    if SUPPLIER.gate is not None:
        await asyncio.to_thread(SUPPLIER.gate.wait, 20)
    SUPPLIER.placed.append(product)
    return {"order": product}


SHOP = Agent(
    id="shop", title="Shop", description="Orders things.", prompt="Help.", tools=ToolRegistry([place_order])
)
ORDER = [call("place_order", {"product": "gaskets"}, call_id="toolu_order"), say("Ordered ", "gaskets.")]


@dataclass(frozen=True)
class Stack:
    runtime: Runtime
    model: ScriptedModel
    base: str
    ada: dict[str, str]
    bob: dict[str, str]
    eve: dict[str, str]


@pytest.fixture(autouse=True)
def _fresh_supplier() -> Iterator[None]:
    SUPPLIER.placed.clear()
    SUPPLIER.gate = SUPPLIER.entered = None
    yield
    if SUPPLIER.gate is not None:
        SUPPLIER.gate.set()


def stack_for(steps: list[Any]) -> Iterator[Stack]:
    ensure_table(TABLE)
    model = ScriptedModel(steps)
    settings = Settings(table_name=TABLE, region="us-east-1", model_provider="local")
    runtime = Runtime(
        settings,
        models=SingleModelProvider(model),
        agents=AgentRegistry([SHOP, *(agent for agent in default_agents() if agent.id == "general")]),
    )
    for tenant_id in ("acme", "globex"):
        runtime.tenants.put(
            Tenant(tenant_id=tenant_id, name=tenant_id, enabled_agents=("shop", "general"), writes="live")
        )
    ada, _ = issue_api_key(runtime.api_keys, "acme", caller_id="ada", scopes=("chat:write", "audit:read"))
    bob, _ = issue_api_key(runtime.api_keys, "acme", caller_id="bob", scopes=("chat:write",))
    eve, _ = issue_api_key(runtime.api_keys, "globex", caller_id="eve", scopes=("chat:write",))
    with serve_stack(runtime) as url:
        yield Stack(runtime, model, url, {"X-API-Key": ada}, {"X-API-Key": bob}, {"X-API-Key": eve})


@pytest.fixture
def shop(table: str) -> Iterator[Stack]:
    yield from stack_for([*ORDER, *ORDER, say("Hello again.")])


@pytest.fixture
def greeted(table: str) -> Iterator[Stack]:
    """One order, then a turn that only greets."""
    yield from stack_for([*ORDER, say("Hello again.")])


def post(
    stack: Stack, path: str, body: dict[str, Any], headers: dict[str, str], key: str | None = "order-1"
) -> httpx.Response:
    sent = headers | ({"Idempotency-Key": key} if key is not None else {})
    return httpx.post(stack.base + path, json=body, headers=sent, timeout=30)


def kinds(frames: list[Frame]) -> list[str]:
    return [frame.event for frame in frames]


def test_a_retried_stream_gets_the_first_turn_and_nothing_runs_twice(greeted: Stack) -> None:
    shop = greeted
    first = post(shop, STREAM, {"message": "order gaskets"}, shop.ada)
    assert first.status_code == 200 and REPLAYED not in first.headers
    original = parse(first.text)
    assert kinds(original) == ["run_started", "tool_call", "tool_result", "text_delta", "text_delta", "done"]

    retry = post(shop, STREAM, {"message": "order gaskets"}, shop.ada)

    assert retry.status_code == 200, retry.text
    assert retry.headers[REPLAYED] == "true"
    assert retry.headers["content-type"].startswith("text/event-stream")
    replayed = parse(retry.text)
    assert kinds(replayed) == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert replayed[0].data == original[0].data  # the same run, session and model
    assert replayed[1].data == original[1].data and replayed[2].data == original[2].data
    assert replayed[3].data["text"] == "Ordered gaskets."
    assert replayed[-1].data == original[-1].data  # how it ended, with its usage
    assert SUPPLIER.placed == ["gaskets"]  # the order went out once
    assert len(shop.model.requests) == 2  # and the model was asked for one turn only
    session_id = original[0].data["session_id"]
    run = shop.runtime.runs.get("acme", original[0].data["run_id"])
    assert run is not None and run.status == "completed"
    audit = httpx.get(shop.base + "/agents/shop/executions", headers=shop.ada, timeout=10).json()
    assert [entry["call_id"] for entry in audit["items"]] == ["toolu_order"]

    later = post(shop, STREAM, {"message": "hi", "session_id": session_id}, shop.ada, key=None)
    assert_session_consistent(shop.runtime, "acme", session_id)

    assert kinds(parse(later.text))[-1] == "done"
    history = shop.model.requests[-1].messages
    assert [message.role for message in history] == ["user", "assistant", "user", "assistant", "user"]
    assert history[0].text == "order gaskets"  # the user's message is in the session once


def test_a_retried_json_chat_gets_the_same_reply(shop: Stack) -> None:
    first = post(shop, JSON, {"message": "order gaskets"}, shop.ada)
    retry = post(shop, JSON, {"message": "order gaskets"}, shop.ada)

    assert first.status_code == retry.status_code == 200
    assert retry.headers[REPLAYED] == "true"
    assert retry.json() == first.json()
    assert first.json()["reply"] == "Ordered gaskets."
    assert SUPPLIER.placed == ["gaskets"]


def test_a_retried_task_gets_the_same_execution(table: str) -> None:
    for stack in stack_for([say("Forty-two.")]):
        body = {"task": "what is six times seven?"}
        first = post(stack, TASK, body, stack.ada)
        retry = post(stack, TASK, body, stack.ada)

        assert first.status_code == retry.status_code == 200, retry.text
        assert retry.headers[REPLAYED] == "true" and retry.json() == first.json()
        assert len(stack.model.requests) == 1


def test_a_key_is_the_callers_own(shop: Stack) -> None:
    ada = post(shop, JSON, {"message": "order gaskets"}, shop.ada)
    bob = post(shop, JSON, {"message": "order gaskets"}, shop.bob)  # same tenant, same key
    eve = post(shop, JSON, {"message": "order gaskets"}, shop.eve)  # another tenant, same key

    assert REPLAYED not in bob.headers and REPLAYED not in eve.headers
    assert len({ada.json()["run_id"], bob.json()["run_id"], eve.json()["run_id"]}) == 3
    assert eve.json()["reply"] == "Hello again."
    assert SUPPLIER.placed == ["gaskets", "gaskets"]


def test_another_request_under_a_used_key_is_refused(shop: Stack) -> None:
    post(shop, JSON, {"message": "order gaskets"}, shop.ada)

    other_body = post(shop, JSON, {"message": "order bolts"}, shop.ada)
    other_route = post(shop, STREAM, {"message": "order gaskets"}, shop.ada)

    for refused in (other_body, other_route):
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert SUPPLIER.placed == ["gaskets"] and len(shop.model.requests) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "two words"])
def test_a_malformed_key_is_a_clear_error(shop: Stack, key: str) -> None:
    refused = post(shop, JSON, {"message": "order gaskets"}, shop.ada, key=key)

    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_request" and "Idempotency-Key" in error["message"]
    assert shop.model.requests == []


def test_a_retry_while_the_turn_runs_is_told_to_wait_then_gets_the_turn(shop: Stack) -> None:
    SUPPLIER.gate, SUPPLIER.entered = threading.Event(), threading.Event()
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(post, shop, JSON, {"message": "order gaskets"}, shop.ada)
        assert SUPPLIER.entered.wait(10)

        early = post(shop, JSON, {"message": "order gaskets"}, shop.ada)

        assert early.status_code == 409, early.text
        assert early.json()["error"]["code"] == "idempotency_key_in_use"
        SUPPLIER.gate.set()
        first = running.result(timeout=30)

    late = post(shop, JSON, {"message": "order gaskets"}, shop.ada)

    assert late.headers[REPLAYED] == "true" and late.json() == first.json()
    assert SUPPLIER.placed == ["gaskets"]


def test_two_requests_with_one_key_at_once_start_one_turn(table: str) -> None:
    # Both may pass the first look at the key before either has started; the transaction that
    # starts a turn claims the key, so only one starts and the other waits (409) or replays it.
    for stack in stack_for([say("Done."), say("Done.")]):
        with ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(post, stack, JSON, {"message": "hi"}, stack.ada) for _ in "ab"]
            replies = [answer.result(timeout=30) for answer in answers]
        settled = post(stack, JSON, {"message": "hi"}, stack.ada)

        assert sorted(reply.status_code for reply in replies) in ([200, 200], [200, 409])
        for reply in replies:
            if reply.status_code == 409:
                assert reply.json()["error"]["code"] == "idempotency_key_in_use"
        started = {reply.json()["run_id"] for reply in [*replies, settled] if reply.status_code == 200}
        assert len(started) == 1 and settled.headers[REPLAYED] == "true"
        run = stack.runtime.runs.get("acme", started.pop())
        assert run is not None and run.status == "completed"
