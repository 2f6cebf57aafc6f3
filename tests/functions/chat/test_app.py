"""The chat API over real HTTP (uvicorn on loopback), with the turn stored in DynamoDB (moto)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from agent_core import ModelError, RunRecord, Runtime
from agent_core.llm.anthropic import AnthropicProvider
from agent_core.llm.scripted import call, say
from agent_core.llm.types import TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.sse import Frame, frames, parse
from tests.support.stack import serve_stack

STREAM = "/agents/general/chat/stream"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key="sk-platform") as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        yield api


@pytest.fixture
def claude(make_runtime: RuntimeFactory, fake: FakeMessagesAPI) -> Runtime:
    """A runtime whose model is 'Claude' at the fake's address, through the real SDK."""
    return make_runtime(AnthropicProvider(model=DEFAULT_ANTHROPIC_MODEL, platform_key=lambda: "sk-platform"))


def stream(base: str, tenant: DemoTenant, body: dict[str, object], path: str = STREAM) -> list[Frame]:
    response = httpx.post(base + path, json=body, headers=tenant.headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse(response.text)


def kinds(received: list[Frame]) -> list[str]:
    return [frame.event for frame in received]


def test_frames_leave_one_by_one_while_the_model_is_still_producing(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    release = threading.Event()
    fake.reply_text("Hel", "lo from Claude", gate_after_first=release)
    seen: list[Frame] = []
    with (
        serve_stack(claude) as base,
        httpx.stream(
            "POST", base + STREAM, json={"message": "hi"}, headers=tenants["acme"].headers, timeout=30
        ) as response,
    ):
        lines = response.iter_lines()
        for frame in frames(lines):
            seen.append(frame)
            if frame.event == "text_delta" and not release.is_set():
                # The first words are here, and the model has not produced the rest yet.
                assert fake.waiting.is_set() and not release.is_set()
                release.set()
    assert kinds(seen) == ["run_started", "text_delta", "text_delta", "done"]
    assert [f.data["text"] for f in seen[1:3]] == ["Hel", "lo from Claude"]
    started, done = seen[0].data, seen[-1].data
    assert started["model"] == DEFAULT_ANTHROPIC_MODEL and started["agent_id"] == "general"
    assert [f.id for f in seen] == [f"{started['run_id']}:{n}" for n in range(1, 5)]
    assert (done["status"], done["stop_reason"]) == ("completed", "end_turn")


def test_the_turn_is_stored_and_the_next_turn_sends_it_to_the_model(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    fake.reply_text("Nice to meet you, Ada.", input_tokens=20, cache_creation=1200)
    fake.reply_text("Your name is Ada.", input_tokens=25, cache_read=1200)
    with serve_stack(claude) as base:
        first = stream(base, tenants["acme"], {"message": "My name is Ada."})
        session_id = first[0].data["session_id"]
        second = stream(base, tenants["acme"], {"message": "What is my name?", "session_id": session_id})

    assert second[0].data["session_id"] == session_id
    sent = fake.requests[1].body["messages"]
    assert [(m["role"], m["content"][0]["text"]) for m in sent] == [
        ("user", "My name is Ada."),
        ("assistant", "Nice to meet you, Ada."),
        ("user", "What is my name?"),
    ]
    stored = claude.sessions.load("acme", session_id, datetime.now(UTC)).messages
    assert [m.text for m in stored] == [
        "My name is Ada.",
        "Nice to meet you, Ada.",
        "What is my name?",
        "Your name is Ada.",
    ]
    run = claude.runs.get("acme", second[0].data["run_id"])
    assert run is not None
    assert (run.status, run.turn, run.usage.cache_read_input_tokens) == ("completed", 2, 1200)
    assert second[-1].data["usage"]["cache_read_input_tokens"] == 1200


def test_any_messages_api_server_answers_with_tool_use_and_the_call_is_audited(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_01who", text="Let me check.")
    fake.reply_text("You are acme-user at Acme Corporation.")
    with serve_stack(claude) as base:
        received = stream(base, tenants["acme"], {"message": "who am I? use tenant_info"})
        audit = httpx.get(base + "/agents/general/executions", headers=tenants["acme"].headers).json()

    assert kinds(received) == ["run_started", "text_delta", "tool_call", "tool_result", "text_delta", "done"]
    assert received[2].data == {
        "type": "tool_call",
        "call_id": "toolu_01who",
        "tool": "tenant_info",
        "input": {},
    }
    assert received[3].data["ok"] is True and received[3].data["result_size"] > 0
    tool_result = fake.requests[1].body["messages"][-1]["content"][0]
    assert tool_result["tool_use_id"] == "toolu_01who"
    assert (
        '"tenant_id":"acme"' in tool_result["content"] and '"caller_id":"acme-user"' in tool_result["content"]
    )
    [entry] = audit["items"]
    assert (entry["tool"], entry["ok"], entry["run_id"]) == ("tenant_info", True, received[0].data["run_id"])
    assert audit["next_cursor"] is None


def test_the_json_route_runs_the_same_turn(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = make_runtime(ScriptedModel([call("tenant_info", call_id="c1"), say("You are ", "Acme.")]))
    with serve_stack(runtime) as base:
        reply = httpx.post(
            base + "/agents/general/chat", json={"message": "who am I?"}, headers=tenants["acme"].headers
        )

    assert reply.status_code == 200
    body = reply.json()
    assert (body["status"], body["reply"], body["stop_reason"]) == ("completed", "You are Acme.", "end_turn")
    (called,) = body["tool_calls"]
    assert {k: called[k] for k in ("call_id", "tool", "input", "mode", "ok", "error")} == {
        "call_id": "c1",
        "tool": "tenant_info",
        "input": {},
        "mode": "live",
        "ok": True,
        "error": None,
    }
    assert called["result_size"] > 0 and "output_summary" not in called  # results stay on the server
    assert body["usage"]["input_tokens"] == 20
    assert body["session_id"].startswith("ses_") and body["run_id"].startswith("run_")


def test_a_model_failure_before_the_first_token_ends_with_error_then_done(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    fake.api_key = "sk-rotated"  # the platform key no longer works
    with serve_stack(claude) as base:
        received = stream(base, tenants["acme"], {"message": "Remember this message."})

    assert kinds(received) == ["run_started", "error", "done"]
    assert received[1].data["code"] == "model_auth_failed"
    assert (received[2].data["status"], received[2].data["stop_reason"]) == ("failed", "error")
    session = claude.sessions.load("acme", received[0].data["session_id"], datetime.now(UTC))
    assert [m.text for m in session.messages] == ["Remember this message."]
    run = claude.runs.get("acme", received[0].data["run_id"])
    assert run is not None and run.status == "failed" and run.error is not None
    assert run.error.code == "model_auth_failed"
    assert_session_consistent(claude, "acme", received[0].data["session_id"])


def test_a_model_failure_mid_stream_keeps_the_message_and_the_partial_answer(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    fake.reply_overloaded_midstream("I was about to")
    fake.reply_text("Fine now.")
    with serve_stack(claude) as base:
        received = stream(base, tenants["acme"], {"message": "Tell me."})
        session_id = received[0].data["session_id"]
        retry = stream(base, tenants["acme"], {"message": "Again?", "session_id": session_id})

    assert kinds(received) == ["run_started", "text_delta", "error", "done"]
    assert received[2].data == {
        "type": "error",
        "code": "model_overloaded",
        "message": "the model provider failed: Overloaded",
    }
    assert received[3].data["status"] == "failed"
    assert retry[-1].data["status"] == "completed"
    assert [m["role"] for m in fake.requests[1].body["messages"]] == ["user", "assistant", "user"]
    assert_session_consistent(claude, "acme", session_id)


def test_a_tool_that_fails_is_reported_and_the_turn_continues(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = make_runtime(ScriptedModel([call("tenant_info", {"tenant_id": "globex"}), say("I could not.")]))
    with serve_stack(runtime) as base:
        received = stream(base, tenants["acme"], {"message": "tell me about globex"})

    assert kinds(received) == ["run_started", "tool_call", "tool_result", "text_delta", "done"]
    assert received[2].data["ok"] is False
    assert received[-1].data["status"] == "completed"


def test_max_steps_ends_the_run_with_its_stop_reason(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = make_runtime(ScriptedModel([call("tenant_info"), call("tenant_info")]))
    with serve_stack(runtime) as base:
        received = stream(base, tenants["acme"], {"message": "loop", "max_steps": 1})

    assert received[-1].data["stop_reason"] == "max_steps"
    assert received[-1].data["status"] == "completed"


def test_the_request_chooses_which_tools_the_model_is_offered(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    model = ScriptedModel([say("No tools."), say("One tool.")])
    with serve_stack(make_runtime(model)) as base:
        stream(base, tenants["acme"], {"message": "hi", "tools": []})
        stream(base, tenants["acme"], {"message": "hi", "tools": ["tenant_info"]})

    assert model.requests[0].tools == ()
    assert [spec.name for spec in model.requests[1].tools] == ["tenant_info"]


def test_a_keep_alive_comment_goes_out_when_the_model_is_silent(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fastapi.routing._PING_INTERVAL", 0.2)  # 15 s in production
    release = threading.Event()
    fake.reply_text("a", "b", gate_after_first=release)
    lines: list[str] = []
    with (
        serve_stack(claude) as base,
        httpx.stream(
            "POST", base + STREAM, json={"message": "hi"}, headers=tenants["acme"].headers, timeout=30
        ) as response,
    ):
        for line in response.iter_lines():
            lines.append(line)
            if line == ": ping":  # the model is still silent, and the client heard from us
                release.set()

    assert ": ping" in lines
    assert release.is_set()
    assert kinds(parse("\n".join(lines)))[-1] == "done"


def test_a_table_failure_mid_turn_still_ends_the_stream(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    release = threading.Event()
    fake.reply_text("a", "b", gate_after_first=release)
    seen: list[Frame] = []
    with (
        serve_stack(claude) as base,
        httpx.stream(
            "POST", base + STREAM, json={"message": "hi"}, headers=tenants["acme"].headers, timeout=30
        ) as response,
    ):
        for frame in frames(response.iter_lines()):
            seen.append(frame)
            if frame.event == "text_delta" and not release.is_set():
                claude.dynamodb.delete_table(TableName=claude.settings.table_name)
                release.set()

    assert kinds(seen) == ["run_started", "text_delta", "text_delta", "error", "done"]
    assert seen[3].data["code"] == "storage_unavailable"
    assert seen[4].data["status"] == "failed"


def ended(runtime: Runtime, run_id: str) -> RunRecord:
    deadline = time.monotonic() + 10
    while (run := runtime.runs.get("acme", run_id)) is None or run.status == "running":
        assert time.monotonic() < deadline, "the run was never closed"
        time.sleep(0.05)
    return run


def test_a_client_that_disconnects_does_not_stop_the_run_which_is_stored_whole(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    release = threading.Event()
    fake.reply_tool_use(
        "tenant_info", {}, tool_use_id="toolu_after_leaving", text="Let me see.", gate_after_text=release
    )
    fake.reply_text("You are", " Acme.")
    with serve_stack(claude) as base:
        with httpx.stream(
            "POST", base + STREAM, json={"message": "keep me"}, headers=tenants["acme"].headers, timeout=30
        ) as response:
            started = next(frames(response.iter_lines()))
        release.set()  # the model answers once the client has gone
        run = ended(claude, started.data["run_id"])

    assert (run.status, run.stop_reason, run.reply) == ("completed", "end_turn", "Let me see.You are Acme.")
    assert [(step.tool, step.ok) for step in run.steps] == [("tenant_info", True)]
    session = claude.sessions.load("acme", started.data["session_id"], datetime.now(UTC))
    assert [m.role for m in session.messages] == ["user", "assistant", "user", "assistant"]
    assert session.messages[0].text == "keep me" and session.messages[-1].text == "You are Acme."
    assert_session_consistent(claude, "acme", started.data["session_id"])


def test_a_run_set_to_stop_when_its_client_leaves_stops_before_its_next_step(
    make_runtime: RuntimeFactory, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = make_runtime(
        AnthropicProvider(model=DEFAULT_ANTHROPIC_MODEL, platform_key=lambda: "sk-platform"),
        on_disconnect="stop",
    )
    release = threading.Event()
    fake.reply_tool_use(
        "tenant_info", {}, tool_use_id="toolu_never_run", text="Let me see.", gate_after_text=release
    )
    with serve_stack(runtime) as base:
        with httpx.stream(
            "POST", base + STREAM, json={"message": "keep me"}, headers=tenants["acme"].headers, timeout=30
        ) as response:
            started = next(frames(response.iter_lines()))
        time.sleep(0.5)  # the server hears of it at once (an ASGI http.disconnect)
        release.set()
        run = ended(runtime, started.data["run_id"])

    assert (run.status, run.stop_reason, run.steps, run.reply) == ("failed", "cancelled", (), "Let me see.")
    assert run.error is not None and run.error.code == "client_disconnected"
    assert len(fake.requests) == 1  # the model was not asked again
    session = runtime.sessions.load("acme", started.data["session_id"], datetime.now(UTC))
    assert session.messages[0].text == "keep me"
    assert session.meta is not None and session.meta.active_run == run.run_id  # and it has ended
    assert_session_consistent(runtime, "acme", started.data["session_id"])


def test_two_turns_of_one_session_cannot_interleave(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    release = threading.Event()
    fake.reply_text("first", " answer", gate_after_first=release)
    fake.reply_text("second answer")
    body = {"message": "one", "session_id": "shared-session"}
    with (
        serve_stack(claude) as base,
        httpx.stream(
            "POST", base + STREAM, json=body, headers=tenants["acme"].headers, timeout=30
        ) as response,
    ):
        lines = response.iter_lines()
        next(frames(lines))
        busy = httpx.post(base + STREAM, json={**body, "message": "two"}, headers=tenants["acme"].headers)
        release.set()
        rest = list(frames(lines))
        after = httpx.post(base + STREAM, json={**body, "message": "three"}, headers=tenants["acme"].headers)

    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "session_busy"
    assert kinds(rest)[-1] == "done"
    assert after.status_code == 200
    stored = claude.sessions.load("acme", "shared-session", datetime.now(UTC)).messages
    assert [m.text for m in stored] == ["one", "first answer", "three", "second answer"]


def test_history_holds_tool_calls_and_results_in_order(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    model = ScriptedModel([call("tenant_info", call_id="c7"), say("done")])
    runtime = make_runtime(model)
    with serve_stack(runtime) as base:
        received = stream(base, tenants["acme"], {"message": "who?"})

    stored = runtime.sessions.load("acme", received[0].data["session_id"], datetime.now(UTC)).messages
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    thought, use = stored[1].content  # thinking stored with the turn, exactly as the model sent it
    assert isinstance(thought, ThinkingBlock) and thought.signature and isinstance(use, ToolUseBlock)
    assert isinstance(stored[2].content[0], ToolResultBlock) and stored[2].content[0].tool_use_id == "c7"
    assert stored[3].content[1:] == (TextBlock(text="done"),)


def test_a_tenant_that_brings_its_own_model_key_is_billed_to_it(
    claude: Runtime, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    claude.secrets.put_tenant_secret("globex", {"anthropic_api_key": "sk-globex-own"})
    fake.reply_text("acme on the platform key")
    with serve_stack(claude) as base:
        stream(base, tenants["acme"], {"message": "hi"})
        fake.api_key = "sk-globex-own"
        fake.reply_text("globex on its own key")
        received = stream(base, tenants["globex"], {"message": "hi"})

    assert [r.api_key for r in fake.requests] == ["sk-platform", "sk-globex-own"]
    assert received[-1].data["status"] == "completed"


def test_a_model_that_fails_before_its_first_token_gives_way_to_the_fallback(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    overloaded = [ModelError("the model provider failed: Overloaded", code="model_overloaded")]
    primary = ScriptedModel([overloaded] * 3)
    runtime = make_runtime(primary, fallback_model="local", fallback_provider="local", model_retries=2)
    with serve_stack(runtime) as base:
        received = stream(base, tenants["acme"], {"message": "who am I? use tenant_info"})

    assert kinds(received)[:2] == ["run_started", "model_fallback"]
    assert received[1].data == {"type": "model_fallback", "model": "local", "reason": "model_overloaded"}
    assert received[-1].data["status"] == "completed" and len(primary.requests) == 3
    run = runtime.runs.get("acme", received[0].data["run_id"])
    assert run is not None and run.model == "local"
    assert_session_consistent(runtime, "acme", received[0].data["session_id"])
