"""``events/*.json`` through the handlers, the way ``sam local invoke -e`` would pass them.

Executions and health are Mangum handlers: the event goes to ``handler(event, context)``. Chat runs
behind the Lambda Web Adapter: the event becomes the HTTP request the adapter would make of the app,
served here by a real uvicorn on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from typing import Any

import boto3
import pytest

from agent_core import AuditEntry, Runtime, get_settings
from agent_core.auth import KEY_PATTERN
from local.functions import load_function
from local.template import api_routes
from tests.conftest import DemoTenant, RuntimeFactory
from tests.support import sse
from tests.support.lambda_events import (
    SCHEDULED_EVENTS,
    Event,
    LambdaContext,
    all_event_names,
    event_names,
    example_key,
    load_event,
    register_example_key,
    with_path_parameter,
    without_header,
)
from tests.support.openapi_check import check_proxy_response
from tests.support.server import serve
from tests.support.web_adapter import REQUEST_CONTEXT_HEADER, invoke, to_request

RouteKey = tuple[str, str]


def call_handler(function: str, event: Event) -> tuple[int, Any]:
    """``functions/<function>/app.py``'s Lambda handler on ``event``: status and decoded JSON body.

    Mangum runs the app on the thread's event loop; like a fresh Lambda process, there is one
    (an earlier async test may have closed this thread's).
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        response = load_function(function).handler(event, LambdaContext(function_name=f"{function}-function"))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert response["isBase64Encoded"] is False
    check_proxy_response(event, response)  # as the OpenAPI document says (tests/support/openapi_check.py)
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def chat(runtime: Runtime, event: Event) -> tuple[int, str, str]:
    """One chat event through the chat app: status, content type, whole body."""
    app = load_function("chat").create_app(runtime)
    with serve(app) as base_url, invoke(base_url, event) as response:
        body = "".join(response.iter_text())
        return response.status_code, response.headers.get("content-type", ""), body


@pytest.fixture
def runtime(make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]) -> Runtime:
    """A runtime on the moto table (local model), with acme and globex, and the example key acme's."""
    built = make_runtime()
    register_example_key(built, "acme")
    return built


# --- the events themselves -------------------------------------------------------------------


def test_there_is_one_event_per_api_route_of_the_template() -> None:
    routes: set[RouteKey] = {(route.method, route.path) for route in api_routes()}
    events: set[RouteKey] = {(e["httpMethod"], e["resource"]) for e in map(load_event, event_names())}

    assert events == routes


@pytest.mark.parametrize("name", event_names())
def test_each_event_is_a_rest_proxy_event_with_the_example_key(name: str) -> None:
    event = load_event(name)
    context = event["requestContext"]

    assert set(event) >= {
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
        "isBase64Encoded",
    }  # fmt: skip
    assert context["stage"] == "v1"
    assert context["resourcePath"] == event["resource"]
    assert context["httpMethod"] == event["httpMethod"]
    assert context["path"] == f"/v1{event['path']}"
    assert context["requestId"]
    assert context["identity"]["sourceIp"]
    filled = event["resource"]
    for parameter, value in (event["pathParameters"] or {}).items():
        filled = filled.replace(f"{{{parameter}}}", value)
    assert filled == event["path"], "the path is the resource with its pathParameters"
    assert event["headers"]["X-API-Key"] == example_key()
    assert event["multiValueHeaders"]["X-API-Key"] == [example_key()]
    assert KEY_PATTERN.fullmatch(example_key())
    assert len(example_key()) == len("ak_") + 43


# --- the Web Adapter's request ---------------------------------------------------------------


def test_the_adapter_request_carries_method_path_query_headers_body_and_request_context() -> None:
    event = load_event("agent_executions")

    request = to_request(event)

    assert (request.method, request.target) == ("GET", "/agents/general/executions?limit=10")
    assert request.header("x-api-key") == example_key()
    assert json.loads(request.header(REQUEST_CONTEXT_HEADER) or "{}") == event["requestContext"]
    assert request.body == b""


def test_the_adapter_decodes_a_base64_body() -> None:
    event = load_event("chat")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True

    assert to_request(event).body == b'{"message":"who am I? use tenant_info"}'


# --- chat (Lambda Web Adapter, response streaming) -------------------------------------------


def test_chat_stream_event_streams_a_tool_call_turn(runtime: Runtime) -> None:
    status, content_type, body = chat(runtime, load_event("chat_stream"))

    assert status == 200
    assert content_type.startswith("text/event-stream")
    frames = sse.parse(body)
    types = [frame.event for frame in frames]
    assert types[0] == "run_started"
    assert types[-1] == "done"
    assert {"tool_call", "tool_result", "text_delta"} <= set(types)
    call = next(frame.data for frame in frames if frame.event == "tool_call")
    result = next(frame.data for frame in frames if frame.event == "tool_result")
    assert call["tool"] == "tenant_info"
    assert (result["call_id"], result["tool"], result["ok"]) == (call["call_id"], "tenant_info", True)
    assert types.index("tool_call") < types.index("tool_result") < len(types) - 1
    assert frames[-1].data["status"] == "completed"
    run_id = frames[0].data["run_id"]
    assert [frame.id for frame in frames] == [f"{run_id}:{seq}" for seq in range(1, len(frames) + 1)]


def test_chat_event_returns_the_whole_turn_as_json(runtime: Runtime) -> None:
    status, content_type, body = chat(runtime, load_event("chat"))

    assert status == 200
    assert content_type.startswith("application/json")
    reply = json.loads(body)
    assert reply["status"] == "completed"
    assert [(c["tool"], c["ok"]) for c in reply["tool_calls"]] == [("tenant_info", True)]
    assert reply["reply"]


def test_chat_event_without_a_key_is_401(runtime: Runtime) -> None:
    status, _, body = chat(runtime, without_header(load_event("chat"), "X-API-Key"))

    assert status == 401
    assert json.loads(body)["error"]["code"] == "unauthorized"


def test_confirmation_event_for_a_write_nobody_proposed_is_404(runtime: Runtime) -> None:
    status, _, body = chat(runtime, load_event("confirmation"))

    assert status == 404
    assert json.loads(body)["error"]["code"] == "confirmation_not_found"


def naming_run(event: dict[str, Any], run_id: str) -> dict[str, Any]:
    """``event`` (a route under ``/executions/{run_id}``) for the run ``run_id``."""
    example = event["pathParameters"]["run_id"]
    event["pathParameters"]["run_id"] = run_id
    event["path"] = event["path"].replace(example, run_id)
    event["requestContext"]["path"] = event["requestContext"]["path"].replace(example, run_id)
    return event


def test_run_events_event_replays_a_streamed_turn_with_its_ids(runtime: Runtime) -> None:
    status, _, body = chat(runtime, load_event("chat_stream"))
    assert status == 200
    streamed = sse.parse(body)

    status, content_type, body = chat(
        runtime, naming_run(load_event("run_events"), streamed[0].data["run_id"])
    )

    assert status == 200 and content_type.startswith("text/event-stream")
    assert sse.parse(body) == streamed


def test_cancel_run_event_for_a_run_that_has_ended_is_409_and_for_an_unknown_one_404(
    runtime: Runtime,
) -> None:
    status, _, body = chat(runtime, load_event("chat"))
    assert status == 200
    ended = naming_run(load_event("cancel_run"), json.loads(body)["run_id"])

    assert chat(runtime, ended)[0] == 409
    status, _, body = chat(runtime, load_event("cancel_run"))
    assert status == 404 and json.loads(body)["error"]["code"] == "run_not_found"


# --- executions (Mangum) ---------------------------------------------------------------------


def test_executions_events_show_a_stored_chat_turn(runtime: Runtime) -> None:
    # Given: one chat turn of acme, through the chat function
    status, _, body = chat(runtime, load_event("chat"))
    assert status == 200
    run_id = json.loads(body)["run_id"]

    # Then: the tenant's runs list it, with its tenant_info step
    status, runs = call_handler("executions", load_event("executions"))
    assert status == 200
    assert [(r["run_id"], r["status"], r["agent_id"]) for r in runs["items"]] == [
        (run_id, "completed", "general")
    ]
    assert [step["tool"] for step in runs["items"][0]["steps"]] == ["tenant_info"]

    # and the agent's audit trail has the tool call
    status, audit = call_handler("executions", load_event("agent_executions"))
    assert status == 200
    assert [(a["tool"], a["run_id"], a["ok"]) for a in audit["items"]] == [("tenant_info", run_id, True)]
    assert audit["items"][0]["caller_id"] == "acme-events"

    # and the run itself is there by its id
    status, run = call_handler("executions", with_path_parameter(load_event("execution"), "run_id", run_id))
    assert status == 200
    assert (run["run_id"], run["tenant_id"], run["status"]) == (run_id, "acme", "completed")
    assert run["usage"]["output_tokens"] > 0


def test_session_events_list_read_and_delete_a_stored_chat_turns_session(runtime: Runtime) -> None:
    # Given: one chat turn of acme, through the chat function
    status, _, body = chat(runtime, load_event("chat"))
    assert status == 200
    session_id = json.loads(body)["session_id"]

    # Then: the caller's sessions list it, and its messages read as a chat shows them
    status, sessions = call_handler("executions", load_event("sessions"))
    assert status == 200
    assert [(s["session_id"], s["agent_id"]) for s in sessions["items"]] == [(session_id, "general")]
    named = with_path_parameter(load_event("session_messages"), "session_id", session_id)
    status, messages = call_handler("executions", named)
    assert status == 200
    assert messages["items"][0]["text"] == "who am I? use tenant_info"

    # and deleting it leaves nothing to read
    gone = with_path_parameter(load_event("delete_session"), "session_id", session_id)
    assert call_handler("executions", gone) == (204, None)
    status, body = call_handler("executions", named)
    assert (status, body["error"]["code"]) == (404, "session_not_found")


def test_session_events_for_an_unknown_session_are_404(runtime: Runtime) -> None:
    for name in ("session_messages", "delete_session"):
        status, body = call_handler("executions", load_event(name))
        assert (status, body["error"]["code"]) == (404, "session_not_found"), name


def test_execution_event_for_an_unknown_run_is_404(runtime: Runtime) -> None:
    status, body = call_handler("executions", load_event("execution"))

    assert status == 404
    assert body["error"]["code"] == "run_not_found"


def test_executions_event_of_a_tenant_without_runs_is_an_empty_page(runtime: Runtime) -> None:
    status, body = call_handler("executions", load_event("executions"))

    assert (status, body) == (200, {"items": [], "next_cursor": None})


def test_executions_event_without_a_key_is_401(runtime: Runtime) -> None:
    status, body = call_handler("executions", without_header(load_event("executions"), "X-API-Key"))

    assert status == 401
    assert body["error"]["code"] == "unauthorized"


# --- health (Mangum) -------------------------------------------------------------------------


def test_healthz_event_is_ok_without_any_aws_call() -> None:
    assert call_handler("health", load_event("healthz")) == (200, {"status": "ok"})


def test_readyz_event_is_ready_when_the_table_is_active(table: str) -> None:
    status, body = call_handler("health", load_event("readyz"))

    assert status == 200
    assert body["status"] == "ready"
    assert body["checks"]["table"] == {"ok": True, "detail": "ACTIVE"}
    assert body["checks"]["model"]["ok"] is True


def test_readyz_event_is_503_without_the_table() -> None:
    status, body = call_handler("health", load_event("readyz"))

    assert status == 503
    assert body["status"] == "not_ready"
    assert body["checks"]["table"]["ok"] is False


# --- the task API ----------------------------------------------------------------------------


def test_task_api_events_run_a_task_and_read_it_back(runtime: Runtime) -> None:
    # Given: a task through the chat function's execute route
    status, _, body = chat(runtime, load_event("task_execute"))
    assert status == 200
    execution = json.loads(body)
    assert (execution["status"], execution["agent_id"]) == ("completed", "general")
    assert execution["result"]
    [step] = execution["steps"]
    assert (step["tool"], step["input"], step["ok"], step["mode"]) == ("tenant_info", {}, True, "live")
    assert '"tenant_id":"acme"' in step["output_summary"]

    # Then: the executions function answers for it, by id and in the list
    named = with_path_parameter(load_event("task_execution"), "execution_id", execution["execution_id"])
    status, one = call_handler("executions", named)
    assert status == 200
    assert one == execution

    status, listed = call_handler("executions", load_event("task_executions"))
    assert status == 200
    assert listed == {"executions": [execution], "limit": 10, "offset": 0, "has_more": False}


def test_task_execution_event_for_an_unknown_id_is_404(runtime: Runtime) -> None:
    status, body = call_handler("executions", load_event("task_execution"))

    assert status == 404
    assert body["error"]["code"] == "run_not_found"


def test_tenant_info_event_describes_the_callers_tenant(runtime: Runtime) -> None:
    status, body = call_handler("executions", load_event("tenant_info"))

    assert status == 200
    assert (body["tenant_id"], body["name"], body["caller_id"]) == ("acme", "Acme Corporation", "acme-events")
    assert body["writes"] == "shadow"
    assert body["enabled_agents"] == ["general"]


def test_agents_event_lists_the_tenants_agents_with_their_tools(runtime: Runtime) -> None:
    status, body = call_handler("executions", load_event("agents"))

    assert status == 200
    [general] = body["agents"]
    assert general["id"] == "general"
    tools = {tool["name"]: tool["access"] for tool in general["tools"]}
    assert tools["tenant_info"] == "read"


def test_health_event_is_ok() -> None:
    assert call_handler("health", load_event("health")) == (200, {"status": "ok"})


# --- the audit export (EventBridge Scheduler's input) ------------------------------------------


def test_every_event_is_an_api_route_or_a_scheduled_functions_input() -> None:
    assert set(all_event_names()) == set(event_names()) | set(SCHEDULED_EVENTS)
    for name, function in SCHEDULED_EVENTS.items():
        assert "httpMethod" not in load_event(name)
        assert callable(load_function(function).handler)


def test_audit_export_event_exports_its_day_of_every_tenant(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: one audit entry of acme on the event's day, and the bucket
    event = load_event("audit_export")
    day = event["date"]
    call = AuditEntry(
        call_id="toolu_events",
        tool="tenant_info",
        input={},
        ok=True,
        started_at=f"{day}T09:30:00.000Z",
        run_id="run_events",
        session_id="ses_events",
        agent_id="general",
        caller_id="acme-events",
    )
    runtime.audit.record("acme", call)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="audit-events")
    monkeypatch.setenv("AUDIT_BUCKET", "audit-events")
    get_settings.cache_clear()

    # When: the scheduler's event reaches the handler
    done = load_function("audit_export").handler(event, LambdaContext(function_name="audit-export-function"))

    # Then: acme's one entry is in its folder; globex had none and got nothing
    assert done["date"] == day
    assert [(t["tenant"], t["entries"], t["skipped"]) for t in done["tenants"]] == [
        ("acme", 1, False),
        ("globex", 0, True),
    ]
    listed = s3.list_objects_v2(Bucket="audit-events")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        f"audit-manifests/tenant=acme/date={day}/manifest.json",
        f"audit/tenant=acme/date={day}/part-00000.jsonl.gz",
    ]
    part = s3.get_object(Bucket="audit-events", Key=f"audit/tenant=acme/date={day}/part-00000.jsonl.gz")
    [line] = gzip.decompress(part["Body"].read()).decode().splitlines()
    assert json.loads(line)["tool"] == "tenant_info"
    assert json.loads(line)["caller_id"] == "acme-events"
