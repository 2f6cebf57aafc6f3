"""``agentctl enduser erase``: one end user's sessions erased and their runs emptied of words, for
every key of the tenant that acted for them; another end user's untouched; what is kept, said."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent_core import Runtime, issue_api_key
from agent_core.llm.scripted import call, say
from tests.agentctl.conftest import Agentctl
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.sse import parse
from tests.support.stack import serve_stack


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    steps = []
    for n in range(6):
        steps += [call("tenant_info", {"topic": f"private {n}"}, call_id=f"c{n}"), say(f"secret answer {n}")]
    return make_runtime(ScriptedModel(steps))


@pytest.fixture
def base(runtime: Runtime, tenants: dict[str, DemoTenant]) -> Iterator[str]:
    with serve_stack(runtime) as url:
        yield url


def keyed(runtime: Runtime, caller_id: str) -> dict[str, str]:
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id=caller_id, scopes=("chat", "end_users"))
    return {"X-API-Key": key}


def turn(base: str, headers: dict[str, str], end_user: str, session_id: str) -> str:
    response = httpx.post(
        base + "/agents/general/chat/stream",
        json={"message": f"my private words in {session_id}", "session_id": session_id},
        headers=headers | {"X-End-User-Id": end_user},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(parse(response.text)[0].data["run_id"])


def test_erase_removes_one_end_users_sessions_and_words_and_says_what_it_kept(
    ctl: Agentctl, runtime: Runtime, base: str, tenants: dict[str, DemoTenant]
) -> None:
    # Given u1's sessions through two backends of acme (one key since revoked), and u2's
    web, mobile = keyed(runtime, "web"), keyed(runtime, "mobile")
    u1_runs = [turn(base, web, "u1", "s-web"), turn(base, mobile, "u1", "s-mobile")]
    u2_run = turn(base, web, "u2", "s-u2")
    [mobile_key] = [r.key_id for r in runtime.api_keys.list("acme") if r.caller_id == "mobile"]
    runtime.api_keys.revoke("acme", mobile_key)

    # When the operator erases u1
    erased = ctl("enduser", "erase", "--tenant", "acme", "--end-user", "u1")
    as_json = ctl("enduser", "erase", "--tenant", "acme", "--end-user", "u1", "--json")

    # Then u1's sessions are gone, their runs stay without their words, the audit is kept
    assert erased.code == 0, erased.err
    assert "Erased 2 session(s) of end user u1 of tenant acme" in erased.out
    assert "emptied 2 run(s)" in erased.out and "Kept:" in erased.out and "2 tool call(s)" in erased.out
    assert as_json.data["sessions_erased"] == 0 and as_json.data["runs_emptied"] == 2  # idempotent
    for session_id in ("s-web", "s-mobile"):
        assert runtime.table.get(f"TENANT#acme#SESSION#{session_id}", "META") is None
    headers = tenants["acme"].headers  # an auditor of acme
    for run_id in u1_runs:
        run = httpx.get(f"{base}/executions/{run_id}", headers=headers).json()
        assert run["status"] == "completed" and run["reply"] == "" and "private" not in str(run)
        assert [step["tool"] for step in run["steps"]] == ["tenant_info"]
    audit = httpx.get(base + "/agents/general/executions", headers=headers).json()["items"]
    assert {entry["run_id"] for entry in audit} == {*u1_runs, u2_run}
    # and u2's session and run are untouched
    u2 = web | {"X-End-User-Id": "u2"}
    assert len(httpx.get(base + "/sessions/s-u2/messages", headers=u2).json()["items"]) == 3
    assert httpx.get(f"{base}/executions/{u2_run}", headers=u2).json()["reply"] == "secret answer 2"


def test_erase_refuses_an_unknown_tenant_and_a_malformed_end_user(ctl: Agentctl) -> None:
    unknown = ctl("enduser", "erase", "--tenant", "nobody", "--end-user", "u1")
    assert unknown.code == 1 and "no tenant nobody" in unknown.err
    ctl("tenant", "create", "initech", "--name", "Initech")
    malformed = ctl("enduser", "erase", "--tenant", "initech", "--end-user", "u1#x")
    assert malformed.code != 0 and "end user id" in malformed.err
