"""The API as a browser page uses it: CORS (preflights answered by the gateway, answers readable by
allowed origins only), streams nothing buffers on the way, and the OpenAPI document the API serves,
which the repository keeps, the code makes, and every HTTP test's responses are checked against
(tests/support/openapi_check.py)."""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import httpx
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send

from agent_core import Runtime, Settings, Tenant
from agent_core.events import StreamEvent
from agent_core.llm.scripted import say
from local.gateway import Gateway
from local.openapi import DOCUMENT, EVENTS_TS, outputs
from local.template import api_routes
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.broken_models import BrokenModels
from tests.support.openapi_check import OpenApiCheck, document
from tests.support.server import serve
from tests.support.sse import parse
from tests.support.stack import serve_stack

STREAM = "/agents/general/chat/stream"
PAGE = "https://chat.example.com"


def event_classes() -> list[type[BaseModel]]:
    """Every event class of ``agent_core.events``'s ``StreamEvent``."""
    return list(get_args(get_args(StreamEvent)[0]))


def talking(make_runtime: RuntimeFactory, **settings: Any) -> Runtime:
    return make_runtime(ScriptedModel([say("Hello.")]), **settings)


# --- the OpenAPI document -----------------------------------------------------------------------


def test_the_repositorys_document_and_event_types_are_what_the_code_makes() -> None:
    # Stale ones: `make openapi` writes them again.
    for path, text in outputs().items():
        assert path.read_text() == text, f"{path} is out of date: run make openapi"


def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1")
    errors = [error.message for error in OpenAPIV31SpecValidator(document()).iter_errors()]
    assert errors == []


def test_the_document_has_every_route_of_the_template_and_no_other() -> None:
    documented = {(method.upper(), path) for path, item in document()["paths"].items() for method in item}
    assert documented == {(route.method, route.path) for route in api_routes()}


def test_every_error_is_described_as_the_error_body_fastapis_422_included() -> None:
    schemas = document()["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorBody"]["properties"]) == {"error"}
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status[0] in "45" and (method, path, status) != ("get", "/readyz", "503"):
                    assert response["content"] == {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                    }, (method, path, status)
                assert "X-Request-Id" in response["headers"], (method, path, status)
            # Every route may be throttled and may fail; every keyed one may be refused.
            assert {"429", "500"} <= set(operation["responses"]), (method, path)
            if operation.get("security"):
                assert {"401", "403", "422"} <= set(operation["responses"]), (method, path)


def test_each_event_type_has_a_schema_with_every_field_the_stream_sends() -> None:
    schemas = document()["components"]["schemas"]
    items = {b["properties"]["event"]["const"]: b for b in schemas["ServerSentEvent"]["oneOf"]}
    for event_class in event_classes():
        event_type = event_class.model_fields["type"].default
        name = items[event_type]["properties"]["data"]["contentSchema"]["$ref"].rsplit("/", 1)[1]
        assert set(schemas[name]["properties"]) == set(event_class.model_fields), name
        assert set(schemas[name]["required"]) == set(event_class.model_fields), name
        assert schemas[name]["properties"]["type"]["const"] == event_type
    assert len(items) == len(event_classes())
    streamed = [
        (path, method)
        for path, item in document()["paths"].items()
        for method, operation in item.items()
        if "text/event-stream" in operation["responses"].get("200", {}).get("content", {})
    ]
    assert sorted(streamed) == [
        ("/agents/{agent_id}/chat/stream", "post"),
        ("/agents/{agent_id}/sessions/{session_id}/confirmations/{call_id}", "post"),
        ("/executions/{run_id}/events", "get"),
    ]


def test_the_typescript_types_name_every_event_and_every_field() -> None:
    text = EVENTS_TS.read_text()
    interfaces = dict(re.findall(r"export interface (\w+) \{\n(.*?)\n\}", text, re.S))
    schemas = document()["components"]["schemas"]
    union = re.search(r"export type StreamEvent = (.*);", text)
    assert union is not None
    names = union.group(1).split(" | ")
    assert names == [ref["$ref"].rsplit("/", 1)[1] for ref in schemas["StreamEvent"]["oneOf"]]
    for name in names:
        fields = re.findall(r"^  (\w+)\??: ", interfaces[name], re.M)
        assert fields == list(schemas[name]["properties"]), name
        event_type = schemas[name]["properties"]["type"]["const"]
        assert f'  type: "{event_type}";' in interfaces[name]


def test_the_api_serves_the_document_at_openapi_json(make_runtime: RuntimeFactory) -> None:
    with serve_stack(make_runtime()) as base:
        response = httpx.get(base + "/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(DOCUMENT.read_text())


def test_a_response_the_document_does_not_describe_fails_the_test(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    # The check itself: a server that answered a 404 in FastAPI's own shape would be caught.
    async def fastapi_shaped(scope: Scope, receive: Receive, send: Send) -> None:
        body = json.dumps({"detail": "Not Found"}).encode()
        headers = [(b"content-type", b"application/json"), (b"x-request-id", b"r1")]
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    with serve(fastapi_shaped) as base:
        httpx.get(base + "/executions/run_1", headers=tenants["acme"].headers)
        httpx.get(base + "/not/a/route")  # not the API's: left alone
    failures, OpenApiCheck.failures[:] = list(OpenApiCheck.failures), []
    assert len(failures) == 1 and failures[0].startswith("GET /executions/run_1 → 404")


# --- streams nothing buffers --------------------------------------------------------------------


def test_a_stream_tells_caches_and_proxies_not_to_buffer_or_compress_it(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    headers = {**tenants["acme"].headers, "Accept-Encoding": "gzip, br"}
    with serve_stack(talking(make_runtime)) as base:
        response = httpx.post(base + STREAM, json={"message": "hi"}, headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers.get_list("cache-control") == ["no-cache, no-transform"]
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-encoding" not in response.headers
    assert [frame.event for frame in parse(response.text)][-1] == "done"


# --- CORS ---------------------------------------------------------------------------------------


def test_a_preflight_is_answered_by_the_gateway_without_reaching_a_function() -> None:
    reached: list[str] = []

    async def function(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])

    gateway = Gateway(api_routes(), {route.function: function for route in api_routes()})
    asked = {
        "Origin": PAGE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": (
            "content-type,idempotency-key,last-event-id,x-api-key,x-end-user-id"
        ),
    }
    with serve(gateway) as base:
        preflight = httpx.options(base + STREAM, headers=asked)
        of_a_run = httpx.options(base + "/executions/run_1", headers=asked)
        unrouted = httpx.options(base + "/nowhere", headers=asked)
    assert reached == []
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "OPTIONS,POST"
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert set(asked["Access-Control-Request-Headers"].split(",")) | {"authorization"} <= allowed
    assert preflight.headers["access-control-max-age"] == "600"
    assert of_a_run.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert unrouted.status_code == 404


def test_an_allowed_origin_may_read_the_answer_and_its_headers(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = talking(make_runtime, allowed_origins=(PAGE,))
    with serve_stack(runtime) as base:
        streamed = httpx.post(
            base + STREAM, json={"message": "hi"}, headers={**tenants["acme"].headers, "Origin": PAGE}
        )
        refused = httpx.get(base + "/agents", headers={"Origin": PAGE})  # no key: 401, still readable
    for response in (streamed, refused):
        assert response.headers["access-control-allow-origin"] == PAGE
        exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
        assert exposed == {"X-Request-Id", "Retry-After", "Idempotent-Replayed"}
        assert "Origin" in response.headers["vary"]
    assert refused.status_code == 401


def test_an_allowed_origin_may_read_a_500_from_an_unexpected_error(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = make_runtime(BrokenModels(), allowed_origins=(PAGE,))
    with serve_stack(runtime) as base:
        response = httpx.post(
            base + STREAM, json={"message": "hi"}, headers={**tenants["acme"].headers, "Origin": PAGE}
        )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["access-control-allow-origin"] == PAGE
    assert "X-Request-Id" in response.headers["access-control-expose-headers"]
    assert response.headers["x-request-id"] == response.json()["error"]["request_id"]
    assert "Origin" in response.headers["vary"]


def test_another_origin_gets_the_answer_but_no_leave_to_read_it(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = talking(make_runtime, allowed_origins=(PAGE,))
    with serve_stack(runtime) as base:
        response = httpx.get(
            base + "/agents", headers={**tenants["acme"].headers, "Origin": "https://evil.example"}
        )
        without_origin = httpx.get(base + "/agents", headers=tenants["acme"].headers)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in without_origin.headers
    assert "Origin" in response.headers["vary"] and "Origin" in without_origin.headers["vary"]


def test_a_tenants_own_origin_reads_answers_to_its_own_keys_only(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    runtime = talking(make_runtime)
    acme = tenants["acme"].tenant
    runtime.tenants.put(acme.model_copy(update={"allowed_origins": ("https://acme.example",)}))
    origin = {"Origin": "https://acme.example"}
    with serve_stack(runtime) as base:
        own = httpx.get(base + "/agents", headers={**tenants["acme"].headers, **origin})
        other = httpx.get(base + "/agents", headers={**tenants["globex"].headers, **origin})
    assert own.headers["access-control-allow-origin"] == "https://acme.example"
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://a.example, https://B.example:8443", ("https://a.example", "https://b.example:8443")),
        ("", ()),
        ("*", ("*",)),
    ],
)
def test_allowed_origins_are_read_from_the_environment(given: str, kept: tuple[str, ...]) -> None:
    assert Settings.from_env({"ALLOWED_ORIGINS": given}).allowed_origins == kept


@pytest.mark.parametrize("origin", ["https://a.example/path", "a.example", "*", "ftp://a.example"])
def test_a_tenant_names_origins_only_not_paths_nor_any_origin(origin: str) -> None:
    with pytest.raises(ValueError, match=r"origin|deployment"):
        Tenant(tenant_id="t", name="T", allowed_origins=(origin,))
