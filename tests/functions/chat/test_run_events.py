"""A run's stream outlives its connection: every event is stored with its number, a client that
reconnects (``Last-Event-ID``) or follows the run from elsewhere (``GET /executions/{run_id}/events``)
gets each event it missed once, in order, while the run goes on; and a running run can be cancelled.
Real HTTP (uvicorn on loopback), the table in moto, the model behind the fake Messages API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from agent_core import Runtime, issue_api_key
from agent_core.llm.anthropic import AnthropicProvider
from agent_core.settings import DEFAULT_ANTHROPIC_MODEL
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.messages_api import FakeMessagesAPI, running_messages_api
from tests.support.consistency import assert_session_consistent
from tests.support.sse import Frame, frames, parse
from tests.support.stack import serve_stack

STREAM = "/agents/general/chat/stream"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMessagesAPI]:
    with running_messages_api(api_key="sk-platform") as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        yield api


def claude(make_runtime: RuntimeFactory, **settings: object) -> Runtime:
    """'Claude' at the fake's address through the real SDK; tables read often, for a quick test."""
    provider = AnthropicProvider(model=DEFAULT_ANTHROPIC_MODEL, platform_key=lambda: "sk-platform")
    return make_runtime(provider, events_poll_seconds=0.05, **settings)


def kinds(received: list[Frame]) -> list[str]:
    return [frame.event for frame in received]


def numbered_from_one(received: list[Frame], run_id: str) -> bool:
    return [frame.id for frame in received] == [f"{run_id}:{n}" for n in range(1, len(received) + 1)]


def test_a_stream_cut_in_the_middle_goes_on_after_its_last_event_id_without_a_new_turn(
    make_runtime: RuntimeFactory, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude(make_runtime)
    acme = tenants["acme"].headers
    release = threading.Event()
    fake.reply_tool_use(
        "tenant_info", {}, tool_use_id="toolu_cut", text="Let me see.", gate_after_text=release
    )
    fake.reply_text("You are", " Acme.")
    body = {"message": "who am I?"}
    with serve_stack(runtime) as base:
        with httpx.stream("POST", base + STREAM, json=body, headers=acme, timeout=30) as response:
            live = frames(response.iter_lines())
            before_cut = [next(live), next(live)]  # run_started and the first words; then the line drops
        run_id = before_cut[0].data["run_id"]
        resumed = {**acme, "Last-Event-ID": before_cut[-1].id or ""}
        with httpx.stream("POST", base + STREAM, json=body, headers=resumed, timeout=30) as response:
            assert response.status_code == 200
            release.set()  # the model goes on only once the client is back
            after_cut = list(frames(response.iter_lines()))
        replayed = parse(httpx.get(base + f"/executions/{run_id}/events", headers=acme, timeout=30).text)
        tail = parse(httpx.get(base + f"/executions/{run_id}/events?after=5", headers=acme, timeout=30).text)

    received = before_cut + after_cut
    assert kinds(received) == [
        "run_started",
        "text_delta",
        "tool_call",
        "tool_result",
        "text_delta",
        "text_delta",
        "done",
    ]
    assert numbered_from_one(received, run_id)  # each event once, in order
    assert received[-1].data["status"] == "completed"
    assert len(fake.requests) == 2  # the reconnect started no turn of its own
    assert replayed == received and tail == received[5:]
    assert_session_consistent(runtime, "acme", before_cut[0].data["session_id"])


def test_the_events_route_follows_a_run_that_is_still_going_until_its_done(
    make_runtime: RuntimeFactory, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude(make_runtime, event_flush_seconds=0.05)
    acme = tenants["acme"].headers
    release = threading.Event()
    fake.reply_text("Hel", "lo there", gate_after_first=release)
    with (
        serve_stack(runtime) as base,
        httpx.stream("POST", base + STREAM, json={"message": "hi"}, headers=acme, timeout=30) as chat,
    ):
        live = frames(chat.iter_lines())
        seen = [next(live), next(live)]
        run_id = seen[0].data["run_id"]
        with httpx.stream(
            "GET", base + f"/executions/{run_id}/events?after=1", headers=acme, timeout=30
        ) as response:
            followed = frames(response.iter_lines())
            got = [next(followed)]  # the first words, stored while the model still holds the rest
            assert fake.waiting.is_set() and not release.is_set()
            release.set()
            got += list(followed)
        seen += list(live)

    assert kinds(seen) == ["run_started", "text_delta", "text_delta", "done"]
    assert numbered_from_one(seen, run_id)
    assert got == seen[1:]


@pytest.mark.parametrize("stranger", ["another tenant", "another caller of the tenant", "another end user"])
def test_a_run_is_not_found_by_its_events_a_last_event_id_or_a_cancel_by_anyone_else(
    make_runtime: RuntimeFactory, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant], stranger: str
) -> None:
    runtime = claude(make_runtime)
    owner = tenants["acme"].headers
    if stranger == "another caller of the tenant":
        key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-other", scopes=("chat",))
        other = {"X-API-Key": key}
    elif stranger == "another end user":
        key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-app", scopes=("chat", "end_users"))
        owner = {"X-API-Key": key, "X-End-User-Id": "u1"}
        other = {"X-API-Key": key, "X-End-User-Id": "u2"}
    else:
        other = tenants["globex"].headers
    fake.reply_text("Hello.")
    with serve_stack(runtime) as base:
        received = parse(httpx.post(base + STREAM, json={"message": "hi"}, headers=owner, timeout=30).text)
        run_id = received[0].data["run_id"]
        globex = other
        events = httpx.get(base + f"/executions/{run_id}/events", headers=globex, timeout=30)
        cancelled = httpx.post(base + f"/executions/{run_id}/cancel", headers=globex, timeout=30)
        resumed = httpx.post(
            base + STREAM,
            json={"message": "hi"},
            headers={**globex, "Last-Event-ID": f"{run_id}:1"},
            timeout=30,
        )
        garbled = httpx.post(
            base + STREAM, json={"message": "hi"}, headers={**globex, "Last-Event-ID": "nonsense"}, timeout=30
        )

    assert events.status_code == 404 and events.json()["error"]["code"] == "run_not_found"
    assert resumed.status_code == 404 and resumed.json()["error"]["code"] == "run_not_found"
    assert cancelled.status_code == 404
    assert garbled.status_code == 422
    assert len(fake.requests) == 1  # neither started a turn


def test_a_run_cancelled_mid_turn_stops_at_its_next_step_and_the_session_goes_on(
    make_runtime: RuntimeFactory, fake: FakeMessagesAPI, tenants: dict[str, DemoTenant]
) -> None:
    runtime = claude(make_runtime, cancel_check_seconds=0)
    acme, globex = tenants["acme"].headers, tenants["globex"].headers
    release = threading.Event()
    fake.reply_tool_use(
        "tenant_info", {}, tool_use_id="toolu_cancelled", text="Let me see.", gate_after_text=release
    )
    fake.reply_text("Hello again.")
    with serve_stack(runtime) as base:
        with httpx.stream(
            "POST", base + STREAM, json={"message": "who am I?"}, headers=acme, timeout=30
        ) as chat:
            live = frames(chat.iter_lines())
            seen = [next(live)]
            run_id, session_id = seen[0].data["run_id"], seen[0].data["session_id"]
            cancel = base + f"/executions/{run_id}/cancel"
            not_theirs = httpx.post(cancel, headers=globex, timeout=30)
            accepted = httpx.post(cancel, headers=acme, timeout=30)
            release.set()  # the model's answer asks for a tool: the run stops before calling it
            seen += list(live)
        again = httpx.post(cancel, headers=acme, timeout=30)
        record = httpx.get(base + f"/executions/{run_id}", headers=acme, timeout=30).json()
        task = httpx.get(base + f"/api/v1/agent/execution/{run_id}", headers=acme, timeout=30).json()
        replayed = parse(httpx.get(base + f"/executions/{run_id}/events", headers=acme, timeout=30).text)
        next_turn = parse(
            httpx.post(
                base + STREAM, json={"message": "hi", "session_id": session_id}, headers=acme, timeout=30
            ).text
        )

    assert not_theirs.status_code == 404
    assert accepted.status_code == 202 and accepted.json() == {"run_id": run_id, "status": "cancelling"}
    assert kinds(seen) == ["run_started", "text_delta", "done"]
    assert (seen[-1].data["status"], seen[-1].data["stop_reason"]) == ("cancelled", "cancelled")
    assert again.status_code == 409 and again.json()["error"]["code"] == "run_ended"
    assert (record["status"], record["steps"], record["error"]) == ("cancelled", [], None)
    assert task["status"] == "cancelled"
    assert replayed == seen
    assert next_turn[-1].data["status"] == "completed" and len(fake.requests) == 2
    assert_session_consistent(runtime, "acme", session_id)
