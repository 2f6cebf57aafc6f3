"""Writes that wait for a person, over real HTTP: confirmed, rejected, expired, replayed, passed
by a newer turn, decided by a caller who may not write, and a crash right after an approved write.

The model is scripted and held to the Messages API's rules (thinking on, signed), so a resumed run
that did not send back exactly what the paused one had would be refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import RunContext, Runtime, Settings, SingleModelProvider, Tenant, issue_api_key, tool
from agent_core.agents import Agent, AgentRegistry
from agent_core.llm.scripted import call, say
from agent_core.llm.types import (
    Message,
    ModelFinished,
    ToolResultBlock,
    ToolUseBlock,
    ToolUseRequested,
    Usage,
)
from agent_core.observability import logger
from agent_core.store.runs import LEASE_SECONDS_AFTER_DEADLINE
from agent_core.tools.registry import ToolRegistry
from local.aws import ensure_table
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.aws_calls import AwsCalls
from tests.support.consistency import assert_session_consistent
from tests.support.log_lines import captured_log_lines, lines_saying
from tests.support.sse import Frame, parse
from tests.support.stack import serve_stack

STREAM = "/agents/shop/chat/stream"


@dataclass
class Orders:
    """The tenant's order system: what was placed, with the idempotency key of each request."""

    placed: list[tuple[str, str]]
    cut_table_after: threading.Event | None = None


ORDERS = Orders(placed=[])


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str, quantity: int = 1) -> dict[str, Any]:
    """Place an order with the supplier."""
    ORDERS.placed.append((product, ctx.idempotency_key))
    logger.info("placing the order")
    if ORDERS.cut_table_after is not None:
        ORDERS.cut_table_after.set()  # the order has reached the supplier: now the process "dies"
    return {"order": product, "quantity": quantity}


@tool
async def stock(ctx: RunContext, product: str) -> dict[str, Any]:
    """How many of a product are in stock."""
    return {"product": product, "in_stock": 3}


SHOP = Agent(
    id="shop",
    title="Shop",
    description="Orders things.",
    prompt="Help.",
    tools=ToolRegistry([place_order, stock]),
)


@dataclass(frozen=True)
class Stack:
    runtime: Runtime
    model: ScriptedModel
    base: str
    writer: dict[str, str]
    reader: dict[str, str]
    other_tenant: dict[str, str]


@pytest.fixture(autouse=True)
def _fresh_orders() -> Iterator[None]:
    ORDERS.placed.clear()
    ORDERS.cut_table_after = None
    yield
    ORDERS.cut_table_after = None


def stack_for(steps: list[Any], **settings: Any) -> Iterator[Stack]:
    ensure_table(TABLE)
    model = ScriptedModel(steps)
    base = Settings(table_name=TABLE, region="us-east-1", model_provider="local")
    runtime = Runtime(
        base.model_copy(update=settings), models=SingleModelProvider(model), agents=AgentRegistry([SHOP])
    )
    for tenant_id in ("acme", "globex"):
        runtime.tenants.put(
            Tenant(tenant_id=tenant_id, name=tenant_id, enabled_agents=("shop",), writes="confirm")
        )
    writer, _ = issue_api_key(
        runtime.api_keys, "acme", caller_id="ada", scopes=("chat", "chat:write", "audit:read")
    )
    reader, _ = issue_api_key(runtime.api_keys, "acme", caller_id="bob", scopes=("chat",))
    other, _ = issue_api_key(runtime.api_keys, "globex", caller_id="eve", scopes=("chat", "chat:write"))
    with serve_stack(runtime) as url:
        yield Stack(
            runtime,
            model,
            url,
            {"X-API-Key": writer},
            {"X-API-Key": reader},
            {"X-API-Key": other},
        )


ORDER_THEN_DONE = [
    call("place_order", {"product": "gaskets", "quantity": 40}, call_id="toolu_order"),
    say("Ordered 40 gaskets."),
]


@pytest.fixture
def shop(table: str) -> Iterator[Stack]:
    yield from stack_for([*ORDER_THEN_DONE, say("You're welcome.")])


def post(
    stack: Stack, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.post(stack.base + path, json=body, headers=headers or stack.writer, timeout=30)


def chat(stack: Stack, body: dict[str, Any]) -> list[Frame]:
    response = post(stack, STREAM, body)
    assert response.status_code == 200, response.text
    return parse(response.text)


def confirm_path(session_id: str, call_id: str = "toolu_order") -> str:
    return f"/agents/shop/sessions/{session_id}/confirmations/{call_id}"


def decide(
    stack: Stack, session_id: str, approve: bool, headers: dict[str, str] | None = None
) -> httpx.Response:
    return post(stack, confirm_path(session_id), {"approve": approve}, headers)


def kinds(frames: list[Frame]) -> list[str]:
    return [frame.event for frame in frames]


def paused(stack: Stack) -> tuple[list[Frame], str, str]:
    frames = chat(stack, {"message": "order 40 gaskets"})
    return frames, frames[0].data["session_id"], frames[0].data["run_id"]


def audit(stack: Stack) -> list[dict[str, Any]]:
    body = httpx.get(stack.base + "/agents/shop/executions", headers=stack.writer, timeout=10).json()
    return list(body["items"])


def test_a_write_waits_for_a_person_and_runs_once_when_approved(shop: Stack) -> None:
    frames, session_id, run_id = paused(shop)

    assert kinds(frames) == ["run_started", "tool_call", "tool_confirmation", "done"]
    confirmation = frames[2].data
    assert (confirmation["call_id"], confirmation["tool"], confirmation["input"]) == (
        "toolu_order",
        "place_order",
        {"product": "gaskets", "quantity": 40},
    )
    assert frames[3].data["status"] == "awaiting_confirmation"
    assert ORDERS.placed == []  # nothing ran yet
    waiting = shop.runtime.runs.get("acme", run_id)
    assert waiting is not None and waiting.status == "awaiting_confirmation"
    assert waiting.awaiting is not None and waiting.awaiting.expires_at == confirmation["expires_at"]
    [entry] = audit(shop)
    assert (entry["call_id"], entry["ok"]) == ("toolu_order", None)  # proposed, not run

    with captured_log_lines() as lines:
        resumed = decide(shop, session_id, approve=True)

    assert resumed.status_code == 200, resumed.text
    (placing,) = lines_saying(lines, "placing the order")
    assert (placing["call_id"], placing["run_id"]) == ("toolu_order", run_id)  # the resumed call's scope
    events = parse(resumed.text)
    assert kinds(events) == ["run_started", "tool_result", "text_delta", "done"]
    assert events[0].data["run_id"] == run_id
    assert events[1].data["call_id"] == "toolu_order" and events[1].data["ok"] is True
    assert (events[-1].data["status"], events[-1].data["stop_reason"]) == ("completed", "end_turn")
    assert ORDERS.placed == [("gaskets", f"{run_id}.toolu_order")]  # with its idempotency key
    run = shop.runtime.runs.get("acme", run_id)
    assert run is not None
    assert (run.status, run.reply, run.awaiting) == ("completed", "Ordered 40 gaskets.", None)
    assert [(step.call_id, step.ok) for step in run.steps] == [("toolu_order", True)]
    assert run.usage.input_tokens == 20  # both model calls, before and after the pause
    [entry] = audit(shop)  # the same entry, now with its outcome
    assert (entry["call_id"], entry["ok"], entry["rejected"]) == ("toolu_order", True, None)

    replay = decide(shop, session_id, approve=True)

    assert replay.status_code == 409
    assert replay.json()["error"]["code"] == "confirmation_used"
    assert len(ORDERS.placed) == 1

    thanks = chat(shop, {"message": "thanks", "session_id": session_id})

    assert kinds(thanks)[-1] == "done" and thanks[-1].data["status"] == "completed"
    history = shop.model.requests[-1].messages
    assert [message.role for message in history] == ["user", "assistant", "user", "assistant", "user"]
    result = history[2].content[0]
    assert isinstance(result, ToolResultBlock) and '"order":"gaskets"' in result.content
    assert shop.model.refusals == []
    assert_session_consistent(shop.runtime, "acme", session_id)


def test_a_resumed_run_goes_on_with_its_event_numbers_and_replays_as_one_stream(shop: Stack) -> None:
    before, session_id, run_id = paused(shop)
    events = shop.base + f"/executions/{run_id}/events"
    while_waiting = parse(httpx.get(events, headers=shop.writer, timeout=30).text)

    after = parse(decide(shop, session_id, approve=True).text)
    replayed = parse(httpx.get(events, headers=shop.writer, timeout=30).text)
    from_the_pause = parse(
        httpx.get(events, headers={**shop.writer, "Last-Event-ID": before[-1].id or ""}, timeout=30).text
    )

    whole = before + after
    assert [frame.id for frame in whole] == [f"{run_id}:{n}" for n in range(1, len(whole) + 1)]
    assert while_waiting == before  # a follow ends at the pause while the run waits
    assert replayed == whole and from_the_pause == after  # and goes past it once resumed
    run = shop.runtime.runs.get("acme", run_id)
    assert run is not None and run.events == len(whole)


def test_a_rejected_write_does_not_run_and_the_model_is_told(shop: Stack) -> None:
    _, session_id, run_id = paused(shop)

    resumed = decide(shop, session_id, approve=False)

    events = parse(resumed.text)
    assert kinds(events) == ["run_started", "tool_result", "text_delta", "done"]
    assert events[1].data["ok"] is False
    assert ORDERS.placed == []
    told = shop.model.requests[-1].messages[-1].content[0]
    assert isinstance(told, ToolResultBlock) and told.is_error and "declined" in told.content
    run = shop.runtime.runs.get("acme", run_id)
    assert run is not None and run.status == "completed"
    assert [(step.ok, step.rejected) for step in run.steps] == [(False, "confirmation")]
    [entry] = audit(shop)
    assert (entry["ok"], entry["rejected"]) == (False, "confirmation")
    assert shop.model.refusals == []
    assert_session_consistent(shop.runtime, "acme", session_id)


def test_an_expired_confirmation_is_refused_and_the_run_ends_without_the_write(table: str) -> None:
    for stack in stack_for(list(ORDER_THEN_DONE), confirmation_seconds=1):
        _, session_id, run_id = paused(stack)
        time.sleep(1.2)

        late = decide(stack, session_id, approve=True)

        assert late.status_code == 409
        assert late.json()["error"]["code"] == "confirmation_expired"
        assert ORDERS.placed == []
        run = stack.runtime.runs.get("acme", run_id)
        assert run is not None and (run.status, run.stop_reason) == ("completed", "confirmation_expired")
        [entry] = audit(stack)
        assert (entry["ok"], entry["rejected"]) == (False, "confirmation")
        assert decide(stack, session_id, approve=True).json()["error"]["code"] == "confirmation_used"
        assert_session_consistent(stack.runtime, "acme", session_id)


def test_a_new_turn_passes_by_a_pending_write_which_can_no_longer_be_approved(table: str) -> None:
    for stack in stack_for([*ORDER_THEN_DONE[:1], say("Fine, no order then.")]):
        _, session_id, run_id = paused(stack)

        moved_on = chat(stack, {"message": "never mind", "session_id": session_id})

        assert moved_on[-1].data["status"] == "completed"
        sent = stack.model.requests[-1].messages
        assert [m.role for m in sent] == ["user", "assistant", "user"]
        # (an open tool cycle of an earlier turn goes back as text when thinking is on)
        assert "waiting for a person's confirmation, which was not given" in sent[2].text
        late = decide(stack, session_id, approve=True)
        assert late.status_code == 409
        assert ORDERS.placed == []
        run = stack.runtime.runs.get("acme", run_id)
        assert run is not None and (run.status, run.stop_reason) == ("completed", "confirmation_superseded")
        assert stack.model.refusals == []
        assert_session_consistent(stack.runtime, "acme", session_id)


def test_only_a_caller_who_may_write_decides_and_only_in_its_own_tenant_and_session(shop: Stack) -> None:
    _, session_id, _ = paused(shop)

    by_reader = decide(shop, session_id, approve=True, headers=shop.reader)
    by_other_tenant = decide(shop, session_id, approve=True, headers=shop.other_tenant)
    elsewhere = post(shop, confirm_path("ses_elsewhere"), {"approve": True})
    unknown_call = post(shop, confirm_path(session_id, "toolu_other"), {"approve": True})
    no_decision = post(shop, confirm_path(session_id), {})

    assert (by_reader.status_code, by_reader.json()["error"]["code"]) == (403, "forbidden")
    assert by_other_tenant.status_code == 404
    assert elsewhere.status_code == 404 and unknown_call.status_code == 404
    assert no_decision.status_code == 422
    assert ORDERS.placed == []
    assert decide(shop, session_id, approve=True).status_code == 200  # still there for the writer
    assert len(ORDERS.placed) == 1


def test_only_the_sessions_own_caller_or_end_user_decides(shop: Stack) -> None:
    # Given a write waiting in ada's session, and a backend of acme that may write for end users
    _, session_id, _ = paused(shop)
    backend, _ = issue_api_key(
        shop.runtime.api_keys, "acme", caller_id="backend", scopes=("chat", "chat:write", "end_users")
    )

    # When another caller of acme, or an end user of it, decides it
    answers = [
        decide(shop, session_id, approve=True, headers={"X-API-Key": backend}),
        decide(shop, session_id, approve=True, headers={"X-API-Key": backend, "X-End-User-Id": "u1"}),
    ]

    # Then each is a 404 and nothing runs; ada still decides it
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [
        (404, "confirmation_not_found")
    ] * 2
    assert ORDERS.placed == []
    assert decide(shop, session_id, approve=True).status_code == 200
    assert len(ORDERS.placed) == 1


def test_a_crash_right_after_an_approved_write_never_runs_it_twice(table: str) -> None:
    calls = AwsCalls.attached()
    down = threading.Event()

    def refuse(name: str, params: dict[str, Any]) -> None:
        if down.is_set() and name.startswith("dynamodb."):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls.delay = refuse
    for stack in stack_for([*ORDER_THEN_DONE, say("Hello again.")], turn_timeout_seconds=2):
        _, session_id, run_id = paused(stack)
        ORDERS.cut_table_after = down  # the process can store nothing after the order is placed

        crashed = decide(stack, session_id, approve=True)

        assert crashed.status_code == 200
        assert kinds(parse(crashed.text))[-2:] == ["error", "done"]
        down.clear()
        assert ORDERS.placed and len(ORDERS.placed) == 1
        retried = decide(stack, session_id, approve=True)
        assert retried.status_code == 409 and len(ORDERS.placed) == 1
        [entry] = audit(stack)
        assert entry["call_id"] == "toolu_order"  # written before the order went out
        time.sleep(2 + LEASE_SECONDS_AFTER_DEADLINE)

        after = chat(stack, {"message": "hello?", "session_id": session_id})

        assert after[-1].data["status"] == "completed"
        run = stack.runtime.runs.get("acme", run_id)
        assert run is not None and run.status == "failed"
        sent = stack.model.requests[-1].messages
        assert [m.role for m in sent] == ["user", "assistant", "user"]
        assert len(ORDERS.placed) == 1 and stack.model.refusals == []
        assert_session_consistent(stack.runtime, "acme", session_id)


def test_a_run_continues_the_paused_answer_and_can_pause_again(table: str) -> None:
    two_calls = [
        ToolUseBlock(id="toolu_stock", name="stock", input={"product": "gaskets"}),
        ToolUseBlock(id="toolu_order", name="place_order", input={"product": "gaskets"}),
        ToolUseBlock(id="toolu_second", name="place_order", input={"product": "bolts"}),
    ]
    step = [
        *(ToolUseRequested(id=b.id, name=b.name, input=b.input) for b in two_calls),
        ModelFinished(stop_reason="tool_use", usage=Usage(input_tokens=10, output_tokens=5)),
    ]
    for stack in stack_for([step, say("Both ordered.")]):
        frames, session_id, run_id = paused(stack)
        assert kinds(frames) == [
            "run_started",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_confirmation",
            "done",
        ]

        first = parse(decide(stack, session_id, approve=True).text)

        assert kinds(first) == ["run_started", "tool_result", "tool_call", "tool_confirmation", "done"]
        assert first[3].data["call_id"] == "toolu_second"
        second = post(stack, confirm_path(session_id, "toolu_second"), {"approve": True})
        events = parse(second.text)
        assert kinds(events) == ["run_started", "tool_result", "text_delta", "done"]
        assert [product for product, _ in ORDERS.placed] == ["gaskets", "bolts"]
        results = stack.model.requests[-1].messages[-1]
        assert isinstance(results, Message)
        assert [b.tool_use_id for b in results.content if isinstance(b, ToolResultBlock)] == [
            "toolu_stock",
            "toolu_order",
            "toolu_second",
        ]
        run = stack.runtime.runs.get("acme", run_id)
        assert run is not None and run.status == "completed"
        assert [s.call_id for s in run.steps] == ["toolu_stock", "toolu_order", "toolu_second"]
        assert stack.model.refusals == []
