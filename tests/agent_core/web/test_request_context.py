"""Every response names its request in ``X-Request-Id``, every error body in ``request_id``, and
every log line of the request carries the same id: API Gateway's own where the request came
through it (behind the Web Adapter or Mangum), else one made for it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent_core import Runtime
from agent_core.llm.scripted import say
from local.functions import load_function
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.broken_models import BrokenModels
from tests.support.lambda_events import LambdaContext, load_event, register_example_key, without_header
from tests.support.log_lines import captured_log_lines, lines_saying
from tests.support.server import serve
from tests.support.stack import serve_stack
from tests.support.web_adapter import invoke

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STREAM = "/agents/general/chat/stream"


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return make_runtime(ScriptedModel([say("Hello.")]))


@pytest.fixture
def base(runtime: Runtime, tenants: dict[str, DemoTenant]) -> Iterator[str]:
    with serve_stack(runtime) as url:
        yield url


def test_every_function_names_each_response_with_an_id_of_its_own(
    base: str, tenants: dict[str, DemoTenant]
) -> None:
    acme = tenants["acme"].headers
    responses = [
        httpx.post(base + STREAM, json={"message": "hi"}, headers=acme),  # streamed
        httpx.get(base + "/agents", headers=acme),
        httpx.get(base + "/healthz"),
        httpx.get(base + "/agents"),  # 401
        httpx.post(base + "/agents/nobody/chat", json={"message": "hi"}, headers=acme),  # 404
        httpx.post(base + STREAM, json={"message": ""}, headers=acme),  # 422
        httpx.post(base + STREAM, content=b"x" * 300_000, headers=acme),  # 413, before the app
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 401, 404, 422, 413]
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(UUID.match(request_id) for request_id in ids) and len(set(ids)) == len(ids)
    assert [r.json()["error"]["request_id"] for r in responses[3:]] == ids[3:]


def test_a_turns_log_lines_carry_its_request_id(base: str, tenants: dict[str, DemoTenant]) -> None:
    with captured_log_lines() as lines:
        response = httpx.post(base + STREAM, json={"message": "hi"}, headers=tenants["acme"].headers)

    (turn_line,) = lines_saying(lines, "turn ended")
    assert turn_line["request_id"] == response.headers["X-Request-Id"]
    assert turn_line["tenant_id"] == "acme"


def test_behind_the_web_adapter_the_id_is_api_gateways(
    runtime: Runtime, tenants: dict[str, DemoTenant]
) -> None:
    register_example_key(runtime)
    event = load_event("chat_stream")
    lambda_request_id = "3f1b2c44-9d1e-4f6a-8b7c-0a1b2c3d4e5f"

    with (
        captured_log_lines() as lines,
        serve(load_function("chat").create_app(runtime)) as url,
        invoke(url, event, lambda_context={"request_id": lambda_request_id}) as response,
    ):
        response.read()

    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == event["requestContext"]["requestId"]
    (turn_line,) = lines_saying(lines, "turn ended")
    assert turn_line["request_id"] == event["requestContext"]["requestId"]
    assert turn_line["function_request_id"] == lambda_request_id


def test_under_mangum_the_id_is_api_gateways_in_the_header_and_the_error_body(
    runtime: Runtime, tenants: dict[str, DemoTenant]
) -> None:
    register_example_key(runtime)
    event = load_event("agents")

    answered = call_handler("executions", event)
    refused = call_handler("executions", without_header(event, "X-API-Key"))

    request_id = event["requestContext"]["requestId"]
    assert (answered["statusCode"], header(answered, "X-Request-Id")) == (200, request_id)
    assert (refused["statusCode"], header(refused, "X-Request-Id")) == (401, request_id)
    assert json.loads(refused["body"])["error"]["request_id"] == request_id


def test_an_unexpected_error_names_its_request_in_the_body_the_header_and_the_log(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    with (
        captured_log_lines() as lines,
        serve_stack(make_runtime(BrokenModels())) as url,
    ):
        response = httpx.post(url + STREAM, json={"message": "hi"}, headers=tenants["acme"].headers)

    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "something went wrong on our side",
            "request_id": request_id,
        }
    }
    (logged,) = lines_saying(lines, "unhandled error")
    assert (logged["request_id"], logged["tenant_id"]) == (request_id, "acme")


@pytest.mark.parametrize("claimed", ['{"requestId": "<script>"}', '{"requestId": 7}', "not json", "[]"])
def test_a_request_context_without_a_well_formed_id_gets_one_made(base: str, claimed: str) -> None:
    response = httpx.get(base + "/healthz", headers={"x-amzn-request-context": claimed})

    assert UUID.match(response.headers["X-Request-Id"])


def call_handler(function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The Lambda handler's whole answer (a fresh event loop, as in a new Lambda process)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        answer: dict[str, Any] = load_function(function).handler(event, LambdaContext())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return answer


def header(answer: dict[str, Any], name: str) -> str | None:
    for field in ("headers", "multiValueHeaders"):
        for key, value in (answer.get(field) or {}).items():
            if key.lower() == name.lower():
                return str(value[0] if isinstance(value, list) else value)
    return None
