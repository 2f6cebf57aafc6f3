"""globex's key can never read acme's sessions, runs or audit entries."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent_core import Runtime
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
