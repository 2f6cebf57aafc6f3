"""The anomaly breaker through the HTTP API: a synthetic burst of tool calls trips it (a log line,
a metric, an event, and the tenant switched off where it asked for that); a tenant at its usual
pace does not."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from agent_core import Runtime, Settings, SingleModelProvider
from agent_core.clock import utc_now
from agent_core.guardrails.breaker_alert import EVENT_SOURCE
from agent_core.llm.scripted import say
from agent_core.llm.types import ModelEvent, ModelFinished, ToolUseRequested, Usage
from agent_core.store.tool_counts import ToolCallCounts, hour_start
from tests.conftest import DemoTenant
from tests.fakes.scripted_model import ScriptedModel
from tests.support.consistency import assert_session_consistent
from tests.support.emf import emf_metrics
from tests.support.eventbridge import DefaultBus
from tests.support.sse import parse
from tests.support.stack import serve_stack

USUAL_PER_HOUR = 3  # with a floor of 20 and a factor of 10, an hour trips past 30 calls
DISABLED = {"error": {"code": "agents_disabled", "message": "agents temporarily unavailable"}}


def is_disabled(body: dict[str, Any]) -> bool:
    """The documented 503 body, with the request's id beside it."""
    error = dict(body["error"])
    return bool(error.pop("request_id")) and {"error": error} == DISABLED


def tool_calls(n: int) -> list[ModelEvent | BaseException]:
    """One model step that asks for ``n`` tool calls at once."""
    uses: list[ModelEvent | BaseException] = [
        ToolUseRequested(id=f"toolu_{i:03d}", name="tenant_info", input={}) for i in range(n)
    ]
    return [*uses, ModelFinished(stop_reason="tool_use", usage=Usage(input_tokens=10, output_tokens=5))]


@pytest.fixture
def runtime(table: str, settings: Settings, tenants: dict[str, DemoTenant]) -> Runtime:
    """acme switches off when the breaker trips, globex is alerted for; both make ~3 calls an hour."""
    _wait_out_the_end_of_the_hour()
    # The burst, globex's ten calls, then answers (a refused turn's cancelled first request may take one).
    runtime = Runtime(
        settings.model_copy(
            update={"breaker_floor_calls_per_hour": 20, "breaker_flush_seconds": 0, "switch_cache_seconds": 0}
        ),
        models=SingleModelProvider(ScriptedModel([tool_calls(31), tool_calls(10), *[say("Fine.")] * 2])),
    )
    runtime.tenants.put(tenants["acme"].tenant.model_copy(update={"breaker": "switch_off"}))
    counts = ToolCallCounts(runtime.table)
    this_hour = hour_start(utc_now())
    for tenant_id in ("acme", "globex"):
        for back in range(1, 25):
            counts.add(tenant_id, this_hour - timedelta(hours=back), USUAL_PER_HOUR)
    return runtime


@pytest.fixture
def bus() -> DefaultBus:
    return DefaultBus(EVENT_SOURCE)


def test_a_burst_trips_the_breaker_and_a_tenant_at_its_usual_pace_does_not(
    runtime: Runtime,
    tenants: dict[str, DemoTenant],
    bus: DefaultBus,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve_stack(runtime) as base:
        burst = _stream(base, tenants["acme"], {"message": "check everything", "max_steps": 1})
        capsys.readouterr()  # what the burst printed is read below, from the event on
        usual = _stream(base, tenants["globex"], {"message": "check a few", "max_steps": 1})
        after_usual = capsys.readouterr().out
        refused = httpx.post(
            base + "/agents/general/chat", json={"message": "hi"}, headers=tenants["acme"].headers
        )
        globex = _stream(base, tenants["globex"], {"message": "still there?"})

    assert burst[-1].data["status"] == "completed" and burst[-1].data["stop_reason"] == "max_steps"
    assert_session_consistent(runtime, "acme", burst[0].data["session_id"])
    assert sum(frame.event == "tool_result" for frame in burst) == 31
    [event] = bus.received()  # one, for acme; none for globex's ten calls
    detail = event["detail"]
    assert (detail["tenant_id"], detail["tool_calls"], detail["hourly_average"], detail["threshold"]) == (
        "acme",
        31,
        3.0,
        30.0,
    )
    assert detail["switched_off"] is True
    [line] = [r for r in caplog.records if r.getMessage() == "anomaly breaker tripped"]
    logged = vars(line)  # the structured line's fields
    assert (logged["tenant_id"], logged["tool_calls"], logged["switched_off"], line.levelname) == (
        "acme",
        31,
        True,
        "WARNING",
    )
    assert refused.status_code == 503 and is_disabled(refused.json())
    [switch] = runtime.switches.listed(["acme"])
    assert (switch.off, switch.by) == (True, "anomaly-breaker")
    assert usual[-1].data["status"] == "completed" and globex[-1].data["status"] == "completed"
    assert emf_metrics(after_usual, metric="AnomalyBreakerTripped") == []


def test_the_trip_is_a_cloudwatch_metric_the_template_alarms_on(
    runtime: Runtime, tenants: dict[str, DemoTenant], bus: DefaultBus, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_stack(runtime) as base:
        capsys.readouterr()
        _stream(base, tenants["acme"], {"message": "check everything", "max_steps": 1})

    [metric] = emf_metrics(capsys.readouterr().out, metric="AnomalyBreakerTripped")
    [directive] = metric["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "AgentRuntime",
        "Dimensions": [["service"]],
        "Metrics": [{"Name": "AnomalyBreakerTripped", "Unit": "Count"}],
    }
    assert (metric["AnomalyBreakerTripped"], metric["service"], metric["tenant_id"]) == (
        [1.0],
        "agent-runtime",
        "acme",
    )


def _stream(base: str, tenant: DemoTenant, body: dict[str, Any]) -> list[Any]:
    response = httpx.post(base + "/agents/general/chat/stream", json=body, headers=tenant.headers, timeout=30)
    assert response.status_code == 200, response.text
    return parse(response.text)


def _wait_out_the_end_of_the_hour() -> None:
    """A test counts calls within one hour: start it in the next one if this one is about to end."""
    left = 3600 - (utc_now().minute * 60 + utc_now().second)
    if left < 10:
        time.sleep(left + 0.5)
