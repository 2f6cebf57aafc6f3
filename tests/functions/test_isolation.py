"""globex's key can never read acme's sessions, runs or audit entries; within acme, one caller never
reads another's, nor one end user another end user's."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent_core import Runtime, issue_api_key, keys
from agent_core.llm.scripted import call, say
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.cursors import craft, opened
from tests.support.sse import parse
from tests.support.stack import serve_stack


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel(
        [call("tenant_info", call_id=f"c{n}") if n % 2 == 0 else say(f"answer {n}") for n in range(20)]
    )


@pytest.fixture
def runtime(make_runtime: RuntimeFactory, model: ScriptedModel) -> Runtime:
    return make_runtime(model)


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    with serve_stack(runtime) as url:
        yield url


def chat(base: str, tenant: DemoTenant, body: dict[str, object]) -> dict[str, object]:
    response = httpx.post(base + "/agents/general/chat/stream", json=body, headers=tenant.headers, timeout=30)
    assert response.status_code == 200
    return parse(response.text)[0].data


def test_another_tenants_run_is_a_404_never_a_403(base: str, tenants: dict[str, DemoTenant]) -> None:
    run_id = chat(base, tenants["acme"], {"message": "who am I?"})["run_id"]

    mine = httpx.get(f"{base}/executions/{run_id}", headers=tenants["acme"].headers)
    theirs = httpx.get(f"{base}/executions/{run_id}", headers=tenants["globex"].headers)

    assert mine.status_code == 200 and mine.json()["tenant_id"] == "acme"
    assert theirs.status_code == 404
    assert theirs.json() == {
        "error": {
            "code": "run_not_found",
            "message": f"there is no run '{run_id}'",
            "request_id": theirs.headers["X-Request-Id"],
        }
    }


def test_audit_and_run_listings_show_only_the_callers_tenant(
    base: str, tenants: dict[str, DemoTenant]
) -> None:
    chat(base, tenants["acme"], {"message": "who am I?"})

    acme = httpx.get(base + "/agents/general/executions", headers=tenants["acme"].headers).json()
    globex = httpx.get(base + "/agents/general/executions", headers=tenants["globex"].headers).json()
    globex_runs = httpx.get(base + "/executions", headers=tenants["globex"].headers).json()

    assert len(acme["items"]) == 1
    assert globex == {"items": [], "next_cursor": None}
    assert globex_runs == {"items": [], "next_cursor": None}


def test_the_same_session_id_is_a_different_session_for_each_tenant(
    base: str, tenants: dict[str, DemoTenant], model: ScriptedModel
) -> None:
    chat(base, tenants["acme"], {"message": "acme secret plans", "session_id": "s1"})
    chat(base, tenants["globex"], {"message": "hello", "session_id": "s1"})

    globex_request = model.requests[-1]
    assert "acme secret plans" not in globex_request.model_dump_json()


def test_a_cursor_from_another_tenant_is_refused(base: str, tenants: dict[str, DemoTenant]) -> None:
    for n in range(3):
        chat(base, tenants["acme"], {"message": f"q{n}"})
    page = httpx.get(base + "/agents/general/executions?limit=1", headers=tenants["acme"].headers).json()
    runs = httpx.get(base + "/executions?limit=1", headers=tenants["acme"].headers).json()

    stolen = httpx.get(
        base + "/agents/general/executions",
        params={"cursor": page["next_cursor"]},
        headers=tenants["globex"].headers,
    )
    stolen_runs = httpx.get(
        base + "/executions", params={"cursor": runs["next_cursor"]}, headers=tenants["globex"].headers
    )

    assert stolen.status_code == 422 and stolen.json()["error"]["code"] == "invalid_cursor"
    assert stolen_runs.status_code == 422


def test_no_crafted_cursor_pages_into_another_tenants_partition(
    base: str, tenants: dict[str, DemoTenant]
) -> None:
    # Given globex's own cursor for its runs, taken apart
    globex_runs = [str(chat(base, tenants["globex"], {"message": f"q{n}"})["run_id"]) for n in range(3)]
    page = httpx.get(base + "/executions?limit=1", headers=tenants["globex"].headers).json()
    theirs = opened(page["next_cursor"])
    acme_partition = "TENANT#acme#RUNS"

    # When acme sends it as is, or re-pointed at its own partition with globex's item keys, or the reverse
    crafted = [
        theirs,
        theirs | {"GSI1PK": acme_partition},
        theirs | {"PK": "TENANT#acme#RUN#" + theirs["PK"].rsplit("#", 1)[1]},
    ]
    answers = [
        httpx.get(base + "/executions", params={"cursor": craft(key)}, headers=tenants["acme"].headers)
        for key in crafted
    ]

    # Then each is refused, and nothing of globex's comes back
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(422, "invalid_cursor")] * 3
    assert not any(run_id in a.text for a in answers for run_id in globex_runs)


def test_audit_pages_run_newest_first_without_gaps(base: str, tenants: dict[str, DemoTenant]) -> None:
    run_ids = [chat(base, tenants["acme"], {"message": f"q{n}"})["run_id"] for n in range(3)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = httpx.get(
            base + "/agents/general/executions", params=params, headers=tenants["acme"].headers
        ).json()
        seen += [item["run_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(run_ids))


# End users and callers: within one tenant, each sees only its own sessions and runs.


@pytest.fixture
def acme_keys(runtime: Runtime, tenants: dict[str, DemoTenant]) -> dict[str, dict[str, str]]:
    """Keys of acme (one of the demo ``tenants``): a backend acting for end users, two plain
    callers, an auditor."""
    made = {}
    for name, scopes in (
        ("backend", ("chat", "chat:write", "end_users")),
        ("ada", ("chat",)),
        ("bob", ("chat",)),
        ("auditor", ("audit:read",)),
    ):
        key, _ = issue_api_key(runtime.api_keys, "acme", caller_id=name, scopes=scopes)
        made[name] = {"X-API-Key": key}
    return made


def as_user(headers: dict[str, str], end_user_id: str) -> dict[str, str]:
    return headers | {"X-End-User-Id": end_user_id}


def turn(base: str, headers: dict[str, str], body: dict[str, object]) -> httpx.Response:
    return httpx.post(base + "/agents/general/chat/stream", json=body, headers=headers, timeout=30)


def started(base: str, headers: dict[str, str], body: dict[str, object]) -> dict[str, object]:
    response = turn(base, headers, body)
    assert response.status_code == 200, response.text
    return parse(response.text)[0].data


def run_ids(base: str, headers: dict[str, str], query: str = "") -> list[str]:
    response = httpx.get(base + "/executions" + query, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return [item["run_id"] for item in response.json()["items"]]


def test_naming_an_end_user_needs_the_scope_and_a_well_formed_id(
    base: str, acme_keys: dict[str, dict[str, str]]
) -> None:
    refused = turn(base, as_user(acme_keys["ada"], "u1"), {"message": "hi"})
    malformed = turn(base, as_user(acme_keys["backend"], "u1#TENANT#globex"), {"message": "hi"})
    listing = httpx.get(base + "/executions", headers=as_user(acme_keys["ada"], "u1"))

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert "end_users" in refused.json()["error"]["message"]
    assert malformed.status_code == 422 and malformed.json()["error"]["code"] == "invalid_end_user_id"
    assert listing.status_code == 403


def test_two_end_users_of_one_tenant_never_see_each_others_sessions_or_runs(
    base: str, acme_keys: dict[str, dict[str, str]], model: ScriptedModel
) -> None:
    # Given end user u1's session, started by the backend acting for u1
    u1, u2, backend = (
        as_user(acme_keys["backend"], "u1"),
        as_user(acme_keys["backend"], "u2"),
        acme_keys["backend"],
    )
    mine = started(base, u1, {"message": "u1's private plans", "session_id": "s-shared"})
    run_id = mine["run_id"]

    # When u2 (or the backend acting for nobody) reads it, lists runs, or continues the session
    reads = [httpx.get(f"{base}/executions/{run_id}", headers=h) for h in (u2, backend)]
    task_reads = [httpx.get(f"{base}/api/v1/agent/execution/{run_id}", headers=h) for h in (u2, backend)]
    continued = [turn(base, h, {"message": "and mine?", "session_id": "s-shared"}) for h in (u2, backend)]

    # Then each is a 404, as across tenants, and no model request saw u1's words
    assert [r.status_code for r in reads + task_reads] == [404] * 4
    assert [(c.status_code, c.json()["error"]["code"]) for c in continued] == [(404, "session_not_found")] * 2
    assert all("u1's private plans" not in r.model_dump_json() for r in model.requests[2:])
    assert run_ids(base, u2) == [] and run_ids(base, backend) == []
    tasks = httpx.get(base + "/api/v1/agent/executions", headers=u2).json()
    assert tasks["executions"] == []
    # while u1 reads, lists and continues its own
    assert httpx.get(f"{base}/executions/{run_id}", headers=u1).json()["end_user_id"] == "u1"
    assert run_ids(base, u1) == [run_id]
    assert turn(base, u1, {"message": "go on", "session_id": "s-shared"}).status_code == 200


def test_two_callers_of_one_tenant_see_only_their_own_and_an_auditor_sees_all(
    base: str, acme_keys: dict[str, dict[str, str]]
) -> None:
    ada = str(started(base, acme_keys["ada"], {"message": "ada's", "session_id": "s-ada"})["run_id"])
    bob = str(started(base, acme_keys["bob"], {"message": "bob's"})["run_id"])
    u1 = str(started(base, as_user(acme_keys["backend"], "u1"), {"message": "u1's"})["run_id"])

    assert run_ids(base, acme_keys["ada"]) == [ada]
    assert run_ids(base, acme_keys["bob"]) == [bob]
    assert httpx.get(f"{base}/executions/{ada}", headers=acme_keys["bob"]).status_code == 404
    assert turn(base, acme_keys["bob"], {"message": "hi", "session_id": "s-ada"}).status_code == 404
    # the auditor reads every run of its tenant, and its audit trail, as before
    assert run_ids(base, acme_keys["auditor"]) == [u1, bob, ada]
    assert httpx.get(f"{base}/executions/{ada}", headers=acme_keys["auditor"]).status_code == 200
    audit = httpx.get(base + "/agents/general/executions", headers=acme_keys["auditor"]).json()
    assert {(e["run_id"], e["caller_id"], e["end_user_id"]) for e in audit["items"]} == {
        (ada, "ada", None),
        (bob, "bob", None),
        (u1, "backend", "u1"),
    }


def test_one_idempotency_key_from_two_end_users_starts_two_turns(
    base: str, acme_keys: dict[str, dict[str, str]]
) -> None:
    key = {"Idempotency-Key": "order-1"}
    first = turn(base, as_user(acme_keys["backend"], "u1") | key, {"message": "hi"})
    second = turn(base, as_user(acme_keys["backend"], "u2") | key, {"message": "hi"})
    again = turn(base, as_user(acme_keys["backend"], "u1") | key, {"message": "hi"})

    assert "Idempotent-Replayed" not in second.headers
    assert parse(first.text)[0].data["run_id"] != parse(second.text)[0].data["run_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert parse(again.text)[0].data["run_id"] == parse(first.text)[0].data["run_id"]


def test_runs_filter_by_agent_session_status_and_time(base: str, tenants: dict[str, DemoTenant]) -> None:
    first = started(base, tenants["acme"].headers, {"message": "q1", "session_id": "s-a"})
    second = started(base, tenants["acme"].headers, {"message": "q2", "session_id": "s-b"})
    headers = tenants["acme"].headers
    after_first = httpx.get(f"{base}/executions/{first['run_id']}", headers=headers).json()["started_at"]

    assert run_ids(base, headers, "?session=s-a") == [first["run_id"]]
    assert run_ids(base, headers, "?agent=general") == [second["run_id"], first["run_id"]]
    assert run_ids(base, headers, "?agent=finance") == []
    assert run_ids(base, headers, "?status=failed") == []
    assert run_ids(base, headers, "?status=completed&session=s-b") == [second["run_id"]]
    assert run_ids(base, headers, f"?to={after_first}") == []
    assert run_ids(base, headers, f"?from={after_first}") == [second["run_id"], first["run_id"]]
    # filtered pages still page without gaps
    page = httpx.get(base + "/executions?agent=general&limit=1", headers=headers).json()
    rest = httpx.get(
        base + "/executions", params={"agent": "general", "cursor": page["next_cursor"]}, headers=headers
    ).json()
    assert [r["run_id"] for r in page["items"] + rest["items"]] == [second["run_id"], first["run_id"]]


def test_a_session_stored_before_owners_were_kept_is_its_last_runs_callers(
    base: str, runtime: Runtime, acme_keys: dict[str, dict[str, str]]
) -> None:
    # Given a session of ada's whose meta was written before owners were kept
    started(base, acme_keys["ada"], {"message": "old plans", "session_id": "s-old"})
    runtime.table.client.update_item(
        TableName=runtime.table.name,
        Key={"PK": {"S": keys.session_pk("acme", "s-old")}, "SK": {"S": keys.SESSION_META_SK}},
        UpdateExpression="REMOVE caller_id, end_user_id, title, GSI1PK, GSI1SK",
    )

    # When bob, an end user, and then ada herself continue it
    bob = turn(base, acme_keys["bob"], {"message": "mine?", "session_id": "s-old"})
    u1 = turn(base, as_user(acme_keys["backend"], "u1"), {"message": "mine?", "session_id": "s-old"})
    ada = turn(base, acme_keys["ada"], {"message": "go on", "session_id": "s-old"})

    # Then only ada may, and her turn stores the owner on the session
    assert (bob.status_code, u1.status_code, ada.status_code) == (404, 404, 200)
    meta = runtime.table.get(keys.session_pk("acme", "s-old"), keys.SESSION_META_SK)
    assert meta is not None and meta["caller_id"] == "ada" and "end_user_id" not in meta
