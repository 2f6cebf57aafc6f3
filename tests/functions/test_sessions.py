"""The sessions API over real HTTP: an owner lists its sessions, reads one's messages as a chat
shows them, and deletes one (its runs and the audit trail stay); nobody else reaches them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent_core import Runtime, issue_api_key
from agent_core.llm.scripted import call, say
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.sse import parse
from tests.support.stack import serve_stack


@pytest.fixture
def model() -> ScriptedModel:
    steps = []
    for n in range(10):
        steps += [call("tenant_info", {"password": "hunter2"}, call_id=f"c{n}"), say(f"answer {n}")]
    return ScriptedModel(steps)


@pytest.fixture
def runtime(make_runtime: RuntimeFactory, model: ScriptedModel) -> Runtime:
    return make_runtime(model)


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    with serve_stack(runtime) as url:
        yield url


@pytest.fixture
def backend(runtime: Runtime, tenants: dict[str, DemoTenant]) -> dict[str, str]:
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="backend", scopes=("chat", "end_users"))
    return {"X-API-Key": key}


def for_user(headers: dict[str, str], end_user_id: str) -> dict[str, str]:
    return headers | {"X-End-User-Id": end_user_id}


def say_to(base: str, headers: dict[str, str], message: str, session_id: str) -> str:
    response = httpx.post(
        base + "/agents/general/chat/stream",
        json={"message": message, "session_id": session_id},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(parse(response.text)[0].data["run_id"])


def get(base: str, path: str, headers: dict[str, str], **params: str | int) -> httpx.Response:
    return httpx.get(base + path, params=params, headers=headers, timeout=10)


def test_an_end_user_lists_its_sessions_newest_first_with_title_and_activity(
    base: str, backend: dict[str, str]
) -> None:
    u1 = for_user(backend, "u1")
    say_to(base, u1, "What is our plan for the quarter? " + "x" * 200, "s-old")
    say_to(base, u1, "Second topic", "s-new")
    say_to(base, for_user(backend, "u2"), "u2's topic", "s-u2")

    page = get(base, "/sessions", u1).json()
    first = get(base, "/sessions", u1, limit=1).json()
    rest = get(base, "/sessions", u1, limit=1, cursor=first["next_cursor"]).json()

    assert [s["session_id"] for s in page["items"]] == ["s-new", "s-old"]
    old = page["items"][1]
    assert old["agent_id"] == "general" and old["turns"] == 1
    assert old["title"].startswith("What is our plan") and len(old["title"]) == 80
    assert old["last_activity_at"] >= old["created_at"]
    assert [s["session_id"] for s in first["items"] + rest["items"]] == ["s-new", "s-old"]
    assert [s["session_id"] for s in get(base, "/sessions", for_user(backend, "u2")).json()["items"]] == [
        "s-u2"
    ]
    assert get(base, "/sessions", backend).json()["items"] == []  # the backend acting for nobody


def test_a_sessions_messages_show_text_and_tool_calls_never_thinking_or_secrets(
    base: str, backend: dict[str, str]
) -> None:
    u1 = for_user(backend, "u1")
    say_to(base, u1, "who am I?", "s1")
    say_to(base, u1, "and now?", "s1")

    page = get(base, "/sessions/s1/messages", u1).json()
    one = get(base, "/sessions/s1/messages", u1, limit=1).json()

    texts = [(m["turn"], m["role"], m["text"]) for m in page["items"]]
    assert texts == [
        (1, "user", "who am I?"),
        (1, "assistant", ""),
        (1, "assistant", "answer 0"),
        (2, "user", "and now?"),
        (2, "assistant", ""),
        (2, "assistant", "answer 1"),
    ]
    calls = page["items"][1]["tool_calls"]
    assert [(c["id"], c["tool"], c["input"]) for c in calls] == [
        ("c0", "tenant_info", {"password": "[REDACTED]"})
    ]
    assert "thinking" not in str(page) and "hunter2" not in str(page)
    assert [m["turn"] for m in one["items"]] == [1, 1, 1] and one["next_cursor"]


def test_deleting_a_session_erases_its_memory_and_keeps_its_runs_and_audit(
    base: str, backend: dict[str, str], tenants: dict[str, DemoTenant], model: ScriptedModel
) -> None:
    u1 = for_user(backend, "u1")
    run_id = say_to(base, u1, "remember my secret plan", "s1")

    by_u2 = httpx.delete(base + "/sessions/s1", headers=for_user(backend, "u2"))
    deleted = httpx.delete(base + "/sessions/s1", headers=u1)

    assert by_u2.status_code == 404 and by_u2.json()["error"]["code"] == "session_not_found"
    assert deleted.status_code == 204
    assert get(base, "/sessions/s1/messages", u1).status_code == 404
    assert get(base, "/sessions", u1).json()["items"] == []
    assert get(base, f"/executions/{run_id}", u1).json()["status"] == "completed"  # the run stays
    audit = get(base, "/agents/general/executions", tenants["acme"].headers).json()["items"]
    assert [entry["run_id"] for entry in audit] == [run_id]  # and its audit entry
    # the session id starts afresh: the model reads nothing of what was erased
    say_to(base, u1, "hello again", "s1")
    assert "secret plan" not in model.requests[-1].model_dump_json()
    assert httpx.delete(base + "/sessions/s1", headers=u1).status_code == 204


def test_nobody_else_reads_or_deletes_a_session(
    base: str, backend: dict[str, str], tenants: dict[str, DemoTenant]
) -> None:
    say_to(base, for_user(backend, "u1"), "mine", "s1")
    others = [for_user(backend, "u2"), backend, tenants["acme"].headers, tenants["globex"].headers]

    reads = [get(base, "/sessions/s1/messages", h).status_code for h in others]
    deletes = [httpx.delete(base + "/sessions/s1", headers=h).status_code for h in others]

    assert reads == [404] * 4 and deletes == [404] * 4
    assert len(get(base, "/sessions/s1/messages", for_user(backend, "u1")).json()["items"]) == 3
