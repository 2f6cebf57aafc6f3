"""A session never breaks: whatever a turn stored, the next turn's request is one the API accepts.

Every turn here goes through the real SDK to the loopback Messages API fake, which refuses what the
real API refuses, for the default model (it thinks by default and binds each thinking block to what
preceded it). Each way a turn can end badly is followed by a normal turn of the same session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from agent_core import AgentRegistry, Runtime, Settings, TurnRequest, issue_api_key
from agent_core.agents.finance import finance_agent
from agent_core.agents.general import general
from agent_core.llm.anthropic import AnthropicProvider
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
from agent_core.web import ChatReply, chat_reply
from local.erp import RunningErp, start_erp
from tests.conftest import DemoTenant
from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api
from tests.support.erp import TODAY, odoo_secret, odoo_tenant
from tests.support.sse import frames
from tests.support.stack import serve_stack

pytestmark = pytest.mark.anyio
KEY = "sk-platform"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        yield api


@pytest.fixture
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY) as running:
        yield running


def claude_runtime(settings: Settings, **overrides: object) -> Runtime:
    provider = AnthropicProvider(model=DEFAULT_ANTHROPIC_MODEL, platform_key=lambda: KEY)
    return Runtime(
        settings.model_copy(update=overrides),
        models=provider,
        agents=AgentRegistry([general, finance_agent]),
    )


async def turn(
    runtime: Runtime,
    key: str,
    message: str,
    session_id: str | None = None,
    *,
    agent: str = "general",
    max_steps: int | None = None,
) -> ChatReply:
    """One turn of ``agent`` for the caller of ``key``, run to its end."""
    caller = runtime.authenticator.authenticate(key)
    request = TurnRequest(message=message, session_id=session_id, max_steps=max_steps)
    return await chat_reply(await runtime.chat.start(caller, agent, request))


def tool_then_answer(fake: FakeMessagesAPI, answer: str = "You are Acme.") -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id=f"toolu_{len(fake.requests)}_{fake.pending}")
    fake.reply_text(answer)


# Each way a turn can end badly, scripted on the fake after the turn's first tool call.
Failure = Callable[[FakeMessagesAPI, threading.Event], None]


def overloaded_mid_answer(fake: FakeMessagesAPI, _: threading.Event) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_overloaded")
    fake.reply_overloaded_midstream("You are")


def connection_cut(fake: FakeMessagesAPI, _: threading.Event) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_cut")
    fake.reply_disconnect("You are A", after_frames=6)


def refused(fake: FakeMessagesAPI, _: threading.Event) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_refused")
    fake.reply_refusal("I can", category="cyber", explanation="This request was declined.")


def cut_by_max_tokens(fake: FakeMessagesAPI, _: threading.Event) -> None:
    fake.reply_tool_use_cut("tenant_info", {"detail": "everything about the tenant"}, pieces=1)


def out_of_context(fake: FakeMessagesAPI, _: threading.Event) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_window")
    fake.reply_stop("model_context_window_exceeded", "You are")


def past_the_deadline(fake: FakeMessagesAPI, gate: threading.Event) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_slow")
    fake.reply_text("You are", " Acme.", gate_after_first=gate)


FAILURES: dict[str, tuple[Failure, str, str]] = {
    # name: (script, the failed turn's stop_reason, its status)
    "overloaded mid-answer": (overloaded_mid_answer, "error", "failed"),
    "connection cut mid-answer": (connection_cut, "error", "failed"),
    "refused": (refused, "refusal", "completed"),
    "tool call cut by max_tokens": (cut_by_max_tokens, "max_tokens", "completed"),
    "context window exceeded": (out_of_context, "model_context_window_exceeded", "completed"),
    "cut at the deadline": (past_the_deadline, "deadline", "failed"),
}


@pytest.mark.parametrize("name", FAILURES)
async def test_after_a_failed_turn_the_next_turn_of_the_session_completes(
    name: str, settings: Settings, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    script, stop_reason, status = FAILURES[name]
    runtime = claude_runtime(settings, turn_timeout_seconds=2.0)
    gate = threading.Event()
    script(fake, gate)

    failed = await turn(runtime, tenants["acme"].key, "who am I? use tenant_info")
    gate.set()
    tool_then_answer(fake)
    after = await turn(runtime, tenants["acme"].key, "and again, please", failed.session_id)

    assert (failed.stop_reason, failed.status) == (stop_reason, status), failed
    assert (after.status, after.stop_reason, after.reply) == ("completed", "end_turn", "You are Acme."), after
    assert [refusal.message for refusal in fake.refusals] == []
    history = runtime.sessions.load("acme", after.session_id, datetime.now(UTC)).messages
    assert [m.text for m in history if m.role == "user" and m.text][:2] == [
        "who am I? use tenant_info",
        "and again, please",
    ], "no user message is lost"


async def test_after_max_steps_the_open_tool_cycle_does_not_break_the_next_turn(
    settings: Settings, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude_runtime(settings)
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_step_1")

    stopped = await turn(runtime, tenants["acme"].key, "who am I?", max_steps=1)
    tool_then_answer(fake)
    after = await turn(runtime, tenants["acme"].key, "well?", stopped.session_id)

    assert (stopped.status, stopped.stop_reason) == ("completed", "max_steps")
    assert (after.status, after.reply) == ("completed", "You are Acme.")
    assert fake.refusals == []


async def test_a_refused_turn_is_left_out_of_what_the_model_reads_next(
    settings: Settings, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude_runtime(settings)
    fake.reply_refusal("I can", explanation="This request was declined.")

    first = await turn(runtime, tenants["acme"].key, "something the classifier stops")
    fake.reply_text("Hello.")
    await turn(runtime, tenants["acme"].key, "hello", first.session_id)

    assert first.refusal is not None and first.refusal.explanation == "This request was declined."
    sent = repr(fake.requests[-1].body["messages"])
    assert "something the classifier stops" not in sent and "hello" in sent


def test_a_client_that_disconnects_mid_turn_leaves_a_session_that_goes_on(
    settings: Settings, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude_runtime(settings.model_copy(update={"on_disconnect": "stop"}))
    release = threading.Event()
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_before_leaving")
    fake.reply_tool_use(
        "tenant_info", {}, tool_use_id="toolu_never_run", text="Checking again.", gate_after_text=release
    )
    with serve_stack(runtime) as base:
        with httpx.stream(
            "POST",
            base + "/agents/general/chat/stream",
            json={"message": "who am I?"},
            headers=tenants["acme"].headers,
            timeout=30,
        ) as response:
            seen = frames(response.iter_lines())
            started = next(seen)
            for frame in seen:
                if frame.event == "text_delta":
                    break  # the user closes the page while the answer streams
        run_id, session_id = started.data["run_id"], started.data["session_id"]
        time.sleep(0.5)  # the server hears of it at once (an ASGI http.disconnect)
        release.set()  # the answer ends with a call, which the run stops before
        deadline = time.monotonic() + 10
        while (run := runtime.runs.get("acme", run_id)) is not None and run.status == "running":
            assert time.monotonic() < deadline, "the run was never closed"
            time.sleep(0.05)
        tool_then_answer(fake)
        after = httpx.post(
            base + "/agents/general/chat",
            json={"message": "still there?", "session_id": session_id},
            headers=tenants["acme"].headers,
            timeout=30,
        ).json()

    assert run is not None and run.stop_reason == "cancelled"
    assert (after["status"], after["reply"]) == ("completed", "You are Acme."), after
    assert fake.refusals == []


@pytest.mark.parametrize(("agent", "tool"), [("general", "tenant_info"), ("finance", "get_bank_balance")])
async def test_tool_using_turns_complete_and_so_does_the_next_turn(
    agent: str, tool: str, table: str, settings: Settings, fake: FakeMessagesAPI, erp: RunningErp
) -> None:
    runtime = claude_runtime(settings)
    runtime.tenants.put(odoo_tenant("acme", erp.url).model_copy(update={"enabled_agents": (agent,)}))
    runtime.secrets.put_tenant_secret("acme", odoo_secret("acme"))
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-cfo")
    for step in range(2):
        fake.reply_tool_use(tool, {}, tool_use_id=f"toolu_{step}_a", text="Let me look.")
        fake.reply_tool_use(tool, {}, tool_use_id=f"toolu_{step}_b")
        fake.reply_text(f"Answer {step}.")

    first = await turn(runtime, key, "what do we have?", agent=agent)
    second = await turn(runtime, key, "and now?", first.session_id, agent=agent)

    for reply in (first, second):
        assert reply.status == "completed", reply
        assert [call.ok for call in reply.tool_calls] == [True, True]
    assert second.reply.endswith("Answer 1.")
    assert fake.refusals == []
    # Within a turn, the thinking goes back verbatim; the next turn leaves the earlier turn's out.
    third_step = fake.requests[2].body["messages"]
    assert third_step[1]["content"][0]["type"] == "thinking"
    next_turn = fake.requests[3].body["messages"]
    assert all(b["type"] != "thinking" for m in next_turn for b in m["content"])


async def test_a_stream_cut_mid_answer_is_model_unavailable_logged_without_a_traceback(
    settings: Settings,
    fake: FakeMessagesAPI,
    tenants: dict[str, DemoTenant],
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = claude_runtime(settings)
    fake.reply_disconnect("You are A", after_frames=6)

    reply = await turn(runtime, tenants["acme"].key, "who am I?")

    assert reply.error is not None and reply.error.code == "model_unavailable"
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [getattr(record, "code", None) for record in warnings] == ["model_unavailable"]
    assert all(record.exc_info is None for record in caplog.records) and "Traceback" not in caplog.text
