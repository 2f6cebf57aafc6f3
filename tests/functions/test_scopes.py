"""API key scopes over HTTP: a key does what its scopes say, on every path, and keys issued before
scopes existed keep doing what they did."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from agent_core import Runtime, Scope, Tenant, WriteMode, hash_api_key, issue_api_key, keys, new_api_key
from agent_core.agents import Agent, AgentRegistry
from agent_core.auth import key_id_for
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ToolResultBlock
from agent_core.tools import RunContext, ToolRegistry, tool
from agent_core.tools.tenant_info import tenant_info
from tests.conftest import RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.sse import parse
from tests.support.stack import serve_stack

PLACED: list[str] = []


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str) -> dict[str, str]:
    """Order a product (a write)."""
    PLACED.append(product)
    return {"order_id": f"O-{len(PLACED)}"}


SHOP = Agent(
    id="shop",
    title="Shop",
    description="Reads who is calling and places orders.",
    prompt="Help with orders.",
    tools=ToolRegistry([tenant_info, place_order]),
)


@pytest.fixture(autouse=True)
def _no_orders_yet() -> None:
    PLACED.clear()


@contextmanager
def shop(
    make_runtime: RuntimeFactory, model: ScriptedModel, writes: WriteMode = "live"
) -> Iterator[tuple[str, Runtime]]:
    """The stack with acme using the shop agent, its writes ``writes``."""
    base = make_runtime(model)
    runtime = Runtime(base.settings, models=base.models, agents=AgentRegistry([SHOP]))
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("shop",), writes=writes))
    with serve_stack(runtime) as url:
        yield url, runtime


def key_with(runtime: Runtime, *scopes: Scope) -> dict[str, str]:
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-" + "-".join(scopes), scopes=scopes)
    return {"X-API-Key": key}


def order_turn(base: str, path: str, headers: dict[str, str]) -> str:
    """One turn asking to order an anvil, by ``path``; its run id."""
    if path == "stream":
        response = httpx.post(
            base + "/agents/shop/chat/stream", json={"message": "order an anvil"}, headers=headers, timeout=30
        )
        assert response.status_code == 200, response.text
        frames = parse(response.text)
        assert "would_execute" not in [f.event for f in frames]
        return str(frames[0].data["run_id"])
    if path == "chat":
        response = httpx.post(
            base + "/agents/shop/chat", json={"message": "order an anvil"}, headers=headers, timeout=30
        )
        assert response.status_code == 200, response.text
        return str(response.json()["run_id"])
    response = httpx.post(
        base + "/api/v1/agent/execute",
        json={"task": "order an anvil", "agent_id": "shop"},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["execution_id"])


def ordering(call_id: str = "w1") -> ScriptedModel:
    return ScriptedModel(
        [call("place_order", {"product": "anvil"}, call_id=call_id), say("Here is what happened.")]
    )


def told(model: ScriptedModel) -> ToolResultBlock:
    """The tool result the model read in its second request."""
    result = model.requests[1].messages[-1].content[0]
    assert isinstance(result, ToolResultBlock)
    return result


# --- writes need chat:write ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["stream", "chat", "task"])
def test_a_chat_key_never_runs_a_write_on_a_live_tenant_and_the_model_is_told_why(
    make_runtime: RuntimeFactory, path: str
) -> None:
    model = ordering()
    with shop(make_runtime, model) as (base, runtime):
        reader = key_with(runtime, "chat")
        run_id = order_turn(base, path, reader)
        run = httpx.get(f"{base}/executions/{run_id}", headers=reader).json()
        audit = httpx.get(base + "/agents/shop/executions", headers=key_with(runtime, "audit:read")).json()
        assert_session_consistent(runtime, "acme", run["session_id"])

    assert PLACED == []
    result = told(model)
    assert result.is_error
    assert "lacks the chat:write scope" in result.content and "Nothing was run or changed" in result.content
    assert run["status"] == "completed"
    (step,) = run["steps"]
    assert (step["tool"], step["ok"], step["rejected"]) == ("place_order", False, "scope")
    (entry,) = audit["items"]
    assert (entry["tool"], entry["ok"], entry["rejected"], entry["caller_id"]) == (
        "place_order",
        False,
        "scope",
        "acme-chat",
    )


def test_a_chat_key_is_refused_in_shadow_mode_too_so_shadow_tells_what_live_would_do(
    make_runtime: RuntimeFactory,
) -> None:
    model = ordering()
    with shop(make_runtime, model, writes="shadow") as (base, runtime):
        order_turn(base, "stream", key_with(runtime, "chat"))

    assert "chat:write" in told(model).content and "SHADOW" not in told(model).content


def test_a_chat_write_key_runs_the_write(make_runtime: RuntimeFactory) -> None:
    model = ordering()
    with shop(make_runtime, model) as (base, runtime):
        writer = key_with(runtime, "chat:write")
        run_id = order_turn(base, "stream", writer)
        run = httpx.get(f"{base}/executions/{run_id}", headers=writer).json()

    assert PLACED == ["anvil"]
    assert told(model).content == '{"order_id":"O-1"}'
    (step,) = run["steps"]
    assert (step["ok"], step["mode"], step["rejected"]) == (True, "live", None)


# --- routes: 403 for a missing scope ---------------------------------------------------------


def forbidden(response: httpx.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "forbidden" and f"lacks the {scope} scope" in error["message"]


def test_the_audit_trail_needs_audit_read_while_runs_stay_readable_by_any_key(
    make_runtime: RuntimeFactory,
) -> None:
    with shop(make_runtime, ScriptedModel([say("Hello.")])) as (base, runtime):
        chatter = key_with(runtime, "chat")
        run_id = order_turn(base, "stream", chatter)
        audit_refused = httpx.get(base + "/agents/shop/executions", headers=chatter)
        audit_read = httpx.get(base + "/agents/shop/executions", headers=key_with(runtime, "audit:read"))
        runs = [
            httpx.get(base + path, headers=chatter)
            for path in (
                "/executions",
                f"/executions/{run_id}",
                "/api/v1/agent/executions",
                f"/api/v1/agent/execution/{run_id}",
                "/api/v1/tenant/info",
                "/agents",
            )
        ]

    forbidden(audit_refused, "audit:read")
    assert audit_read.status_code == 200
    assert [r.status_code for r in runs] == [200] * len(runs)
    assert runs[0].json()["items"][0]["run_id"] == run_id
    assert runs[4].json()["scopes"] == ["chat"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/agents/shop/chat/stream", {"message": "hi"}),
        ("/agents/shop/chat", {"message": "hi"}),
        ("/api/v1/agent/execute", {"task": "hi", "agent_id": "shop"}),
    ],
)
def test_chatting_needs_the_chat_scope(make_runtime: RuntimeFactory, path: str, body: dict[str, Any]) -> None:
    model = ScriptedModel([say("Hello.")])
    with shop(make_runtime, model) as (base, runtime):
        response = httpx.post(base + path, json=body, headers=key_with(runtime, "audit:read"), timeout=30)
        runs = httpx.get(base + "/executions", headers=key_with(runtime, "chat")).json()

    forbidden(response, "chat")
    assert model.requests == [] and runs["items"] == []


# --- keys from before scopes ---------------------------------------------------------------


def test_a_key_stored_before_scopes_keeps_chatting_writing_and_reading_the_audit(
    make_runtime: RuntimeFactory,
) -> None:
    model = ordering()
    with shop(make_runtime, model) as (base, runtime):
        old_key = new_api_key()
        key_hash = hash_api_key(old_key)
        # The item exactly as the code before scopes wrote it: every key carried ("chat", "read").
        stored = {
            "key_id": key_id_for(key_hash),
            "tenant_id": "acme",
            "caller_id": "acme-integration",
            "scopes": ["chat", "read"],
            "created_at": "2026-11-01T09:00:00Z",
            "revoked_at": None,
        }
        runtime.table.put(
            {
                "PK": keys.api_key_pk(key_hash),
                "SK": keys.API_KEY_SK,
                "GSI1PK": keys.tenant_keys_gsi_pk("acme"),
                "GSI1SK": stored["key_id"],
                "data": json.dumps(stored),
            }
        )
        headers = {"X-API-Key": old_key}
        order_turn(base, "stream", headers)
        audit = httpx.get(base + "/agents/shop/executions", headers=headers)
        info = httpx.get(base + "/api/v1/tenant/info", headers=headers).json()

    assert PLACED == ["anvil"]
    assert audit.status_code == 200 and audit.json()["items"][0]["ok"] is True
    assert info["scopes"] == ["chat", "chat:write", "audit:read"]
