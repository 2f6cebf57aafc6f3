"""Bad input gets a clear 4xx JSON error: {"error": {"code", "message", "request_id"}}, the request's id
also in its ``X-Request-Id`` header."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agent_core import Tenant
from tests.conftest import USER_SCOPES, DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.cursors import craft
from tests.support.stack import serve_stack

STREAM = "/agents/general/chat/stream"


@pytest.fixture
def base(make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]) -> Iterator[str]:
    runtime = make_runtime(ScriptedModel([]))
    runtime.tenants.put(Tenant(tenant_id="initech", name="Initech", enabled_agents=()))
    with serve_stack(runtime) as url:
        yield url


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    return response.status_code, body["error"]["code"], body["error"]["message"]


@pytest.mark.parametrize(
    "path", [STREAM, "/agents/general/chat", "/agents/general/executions", "/executions"]
)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "ak_" + "x" * 43}, {"X-API-Key": "nonsense"}])
def test_no_or_unknown_key_is_401(base: str, path: str, headers: dict[str, str]) -> None:
    method = "POST" if "chat" in path else "GET"
    response = httpx.request(method, base + path, json={"message": "hi"}, headers=headers)
    assert error_of(response) == (401, "unauthorized", "a valid X-API-Key header is required")


def test_an_unknown_agent_is_404(base: str, tenants: dict[str, DemoTenant]) -> None:
    response = httpx.post(
        base + "/agents/nobody/chat/stream", json={"message": "hi"}, headers=tenants["acme"].headers
    )
    assert error_of(response) == (404, "agent_not_found", "there is no agent 'nobody'")


@pytest.mark.parametrize(("method", "path"), [("POST", STREAM), ("GET", "/agents/general/executions")])
def test_an_agent_the_tenant_has_not_enabled_is_404_like_an_unknown_one(
    base: str, make_runtime: RuntimeFactory, method: str, path: str
) -> None:
    from agent_core import issue_api_key

    key, _ = issue_api_key(make_runtime().api_keys, "initech", caller_id="peter", scopes=USER_SCOPES)
    body = {"message": "hi"} if method == "POST" else None
    response = httpx.request(method, base + path, json=body, headers={"X-API-Key": key})
    assert error_of(response) == (404, "agent_not_found", "there is no agent 'general'")


def test_the_audit_of_an_unknown_agent_is_404(base: str, tenants: dict[str, DemoTenant]) -> None:
    response = httpx.get(base + "/agents/nobody/executions", headers=tenants["acme"].headers)
    assert error_of(response) == (404, "agent_not_found", "there is no agent 'nobody'")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.message: Field required"),
        ({"message": ""}, "body.message: String should have at least 1 character"),
        ({"message": "x" * 32_001}, "body.message: String should have at most 32000 characters"),
        ({"message": "hi", "max_steps": 26}, "body.max_steps: Input should be less than or equal to 25"),
        ({"message": "hi", "max_steps": 0}, "body.max_steps: Input should be greater than or equal to 1"),
        ({"message": "hi", "session_id": "../etc"}, "body.session_id: String should match pattern"),
        ({"message": "hi", "tools": "tenant_info"}, "body.tools: Input should be a valid list"),
        ({"message": "hi", "tenant_id": "globex"}, "body.tenant_id: Extra inputs are not permitted"),
    ],
)
def test_an_invalid_body_is_422_naming_the_field(
    base: str, tenants: dict[str, DemoTenant], body: dict[str, object], field: str
) -> None:
    status, code, message = error_of(httpx.post(base + STREAM, json=body, headers=tenants["acme"].headers))
    assert (status, code) == (422, "invalid_request")
    assert message.startswith(field)


@pytest.mark.parametrize("path", [STREAM, "/agents/general/chat"])
@pytest.mark.parametrize("blank", ["   \n\t", "\u3000\u00a0"])
def test_a_message_of_only_whitespace_is_422_naming_the_field(
    base: str, tenants: dict[str, DemoTenant], path: str, blank: str
) -> None:
    # The Messages API refuses text blocks without non-whitespace text: such a turn could never run.
    response = httpx.post(base + path, json={"message": blank}, headers=tenants["acme"].headers)
    assert error_of(response) == (
        422,
        "invalid_request",
        "body.message: String should contain some text other than whitespace",
    )


def test_an_unknown_tool_name_is_422_listing_the_agents_tools(
    base: str, tenants: dict[str, DemoTenant]
) -> None:
    response = httpx.post(
        base + STREAM,
        json={"message": "hi", "tools": ["tenant_info", "rm_rf"]},
        headers=tenants["acme"].headers,
    )
    assert error_of(response) == (
        422,
        "unknown_tool",
        "unknown tools rm_rf; agent general has: tenant_info, web_search, visit_webpage",
    )


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"]
)
def test_malformed_json_is_400(base: str, tenants: dict[str, DemoTenant], content_type: str) -> None:
    response = httpx.post(
        base + STREAM,
        content=b'{"message": "hi"',
        headers={**tenants["acme"].headers, "Content-Type": content_type},
    )
    status, code, _ = error_of(response)
    assert status in (400, 422)
    assert code in ("invalid_json", "invalid_request")


def test_json_sent_as_a_form_like_curl_d_does_is_read_as_json(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    from agent_core.llm.scripted import say

    with serve_stack(make_runtime(ScriptedModel([say("hello")]))) as url:
        response = httpx.post(
            url + "/agents/general/chat",
            content=b'{"message":"hi"}',
            headers={**tenants["acme"].headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200
    assert response.json()["reply"] == "hello"


def test_an_oversized_body_is_413(base: str, tenants: dict[str, DemoTenant]) -> None:
    response = httpx.post(base + STREAM, json={"message": "x" * 300_000}, headers=tenants["acme"].headers)
    assert error_of(response) == (413, "payload_too_large", "the request body is over 262144 bytes")


def test_an_oversized_body_without_a_length_is_413(base: str, tenants: dict[str, DemoTenant]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(300):
            yield b"x" * 1000
        yield b'"}'

    response = httpx.post(base + STREAM, content=chunks(), headers=tenants["acme"].headers)
    assert error_of(response)[:2] == (413, "payload_too_large")


def test_an_unrouted_path_is_404_json(base: str) -> None:
    assert error_of(httpx.get(base + "/nope"))[:2] == (404, "not_found")
    assert error_of(httpx.get(base + STREAM))[:2] == (405, "method_not_allowed")


def test_executions_validates_its_query(base: str, tenants: dict[str, DemoTenant]) -> None:
    status, code, message = error_of(
        httpx.get(base + "/agents/general/executions?limit=101", headers=tenants["acme"].headers)
    )
    assert (status, code) == (422, "invalid_request")
    assert message.startswith("query.limit: Input should be less than or equal to 100")
    status, code, _ = error_of(httpx.get(base + "/executions?cursor=%%%", headers=tenants["acme"].headers))
    assert (status, code) == (422, "invalid_cursor")


AUDIT_PK = "TENANT#acme#AGENT#general#AUDIT"
RUNS_PK = "TENANT#acme#RUNS"
CRAFTED = {
    "partition keys without their sort keys": {"GSI1PK": RUNS_PK, "PK": "TENANT#acme#RUN#run_1"},
    "the table's sort key missing": {
        "GSI1PK": RUNS_PK,
        "GSI1SK": "2026-11-01T00:00:00Z#run_1",
        "PK": "TENANT#acme#RUN#run_1",
    },
    "the table's keys, not the index's": {"PK": "TENANT#acme#RUN#run_1", "SK": "RUN"},
    "an extra attribute": {
        "GSI1PK": RUNS_PK,
        "GSI1SK": "2026-11-01T00:00:00Z#run_1",
        "PK": "TENANT#acme#RUN#run_1",
        "SK": "RUN",
        "data": "{}",
    },
    "an empty sort key": {"GSI1PK": RUNS_PK, "GSI1SK": "", "PK": "TENANT#acme#RUN#run_1", "SK": "RUN"},
    "a sort key over DynamoDB's 1,024 bytes": {
        "GSI1PK": RUNS_PK,
        "GSI1SK": "x" * 1025,
        "PK": "TENANT#acme#RUN#run_1",
        "SK": "RUN",
    },
    "a number for a key": {"GSI1PK": RUNS_PK, "GSI1SK": 7, "PK": "TENANT#acme#RUN#run_1", "SK": "RUN"},
    "another listing's partition": {
        "GSI1PK": AUDIT_PK,
        "GSI1SK": "2026-11-01T00:00:00Z#call_1",
        "PK": "TENANT#acme#AUDIT#2026-11-01",
        "SK": "2026-11-01T00:00:00Z#call_1",
    },
    "a list, not an object": ["GSI1PK", RUNS_PK],
}


@pytest.mark.parametrize("case", CRAFTED)
def test_a_crafted_cursor_is_422_invalid_cursor_not_a_storage_error(
    base: str, tenants: dict[str, DemoTenant], case: str
) -> None:
    response = httpx.get(
        base + "/executions", params={"cursor": craft(CRAFTED[case])}, headers=tenants["acme"].headers
    )
    assert error_of(response) == (422, "invalid_cursor", "cursor is not one this API issued")
