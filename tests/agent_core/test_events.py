"""Stream events: typed, one union, encoded as SSE frames with run-scoped ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi.sse import ServerSentEvent

from agent_core import Done, RunStarted, StreamEvent, TextDelta, ToolCall, ToolResult, Usage
from agent_core.events import Error, stream_event_adapter
from agent_core.web import sse_frames


async def _events() -> AsyncIterator[StreamEvent]:
    yield RunStarted(run_id="run_1", session_id="ses_1", agent_id="general", model="local")
    yield TextDelta(text='line one\nline "two"')
    yield ToolCall(call_id="c1", tool="tenant_info", input={})
    yield ToolResult(call_id="c1", tool="tenant_info", ok=True, latency_ms=3, result_size=10)
    yield Error(code="model_overloaded", message="busy")
    yield Done(run_id="run_1", status="failed", stop_reason="error", usage=Usage(input_tokens=5))


@pytest.mark.anyio
async def test_frames_carry_type_id_and_json_data() -> None:
    frames: list[ServerSentEvent] = [frame async for frame in sse_frames(_events(), "run_1")]
    assert [f.event for f in frames] == [
        "run_started",
        "text_delta",
        "tool_call",
        "tool_result",
        "error",
        "done",
    ]
    assert [f.id for f in frames] == [f"run_1:{n}" for n in range(1, 7)]
    assert frames[1].raw_data == '{"type":"text_delta","text":"line one\\nline \\"two\\""}'
    done = stream_event_adapter.validate_json(frames[-1].raw_data or "")
    assert isinstance(done, Done)
    assert done.usage.input_tokens == 5
    assert done.usage.cache_read_input_tokens == 0


def test_events_round_trip_through_the_union() -> None:
    event = ToolResult(call_id="c1", tool="t", ok=False, latency_ms=1, result_size=2)
    assert stream_event_adapter.validate_json(event.model_dump_json()) == event


def test_usage_adds_up_cache_tokens_too() -> None:
    total = Usage(input_tokens=1, output_tokens=2, cache_creation_input_tokens=3) + Usage(
        input_tokens=10, cache_read_input_tokens=7
    )
    assert total == Usage(
        input_tokens=11, output_tokens=2, cache_creation_input_tokens=3, cache_read_input_tokens=7
    )
