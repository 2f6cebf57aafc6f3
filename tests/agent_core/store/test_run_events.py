"""A run's stream events in the table: numbered chunks, read back after any number, each event
once and in order; a chunk the table refuses is stored with the next one (moto, no timing)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from agent_core import Caller, RunRecord, TextDelta
from agent_core.clock import iso, utc_now
from agent_core.event_log import EventLog
from agent_core.store.run_events import Numbered
from tests.conftest import RuntimeFactory
from tests.support.aws_calls import AwsCalls

pytestmark = pytest.mark.anyio


def a_run(tenant_id: str = "acme", run_id: str = "run_events_1") -> RunRecord:
    now = iso(utc_now())
    return RunRecord(
        run_id=run_id,
        tenant_id=tenant_id,
        session_id="s-1",
        agent_id="general",
        caller_id="ada",
        model="scripted",
        turn=1,
        started_at=now,
        deadline_at=iso(utc_now() + timedelta(seconds=60)),
    )


def deltas(first: int, last: int) -> list[Numbered]:
    return [Numbered(seq, TextDelta(text=f"word{seq} ")) for seq in range(first, last + 1)]


def test_the_events_after_a_number_come_back_in_order_each_once_across_chunks(
    make_runtime: RuntimeFactory,
) -> None:
    store = make_runtime().run_events
    run = a_run()
    for chunk in (deltas(1, 3), deltas(4, 5), deltas(6, 6), deltas(4, 6)):  # the last one twice over
        store.put(run, chunk)

    assert [item.seq for item in store.after("acme", run.run_id, 0)] == [1, 2, 3, 4, 5, 6]
    assert store.after("acme", run.run_id, 4) == deltas(5, 6)
    assert store.after("acme", run.run_id, 6) == []
    assert store.after("globex", run.run_id, 0) == []  # another tenant's partition holds none


async def test_a_chunk_the_table_refuses_is_stored_with_the_next_and_nothing_is_lost(
    make_runtime: RuntimeFactory,
) -> None:
    calls = AwsCalls.attached()
    runtime = make_runtime()
    refused: list[str] = []

    def refuse_the_first_chunk(name: str, params: dict[str, Any]) -> None:
        if name == "dynamodb.PutItem" and "EVT#" in str(params["Item"]["SK"]) and not refused:
            refused.append(str(params["Item"]["SK"]))
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls.delay = refuse_the_first_chunk
    run = a_run()
    log = EventLog(runtime.run_events, run, flush_seconds=600, flush_events=2)
    for n in range(1, 8):
        assert log.add(TextDelta(text=f"word{n} ")).seq == n
        await asyncio.sleep(0.01)  # the writer's turn: it stores a chunk each time two wait
    rest = await log.close()

    stored = runtime.run_events.after("acme", run.run_id, 0)
    assert refused and stored, (refused, stored)
    assert [item.seq for item in stored] == list(range(1, len(stored) + 1))  # a prefix, no hole
    assert [item.seq for item in stored + rest] == list(range(1, 8))  # the rest, for the end
    assert log.add(TextDelta(text="done")).seq == 8  # numbered on after the writer stopped


async def test_a_follow_the_table_stops_answering_ends_with_an_error_under_the_last_events_id(
    make_runtime: RuntimeFactory,
) -> None:
    calls = AwsCalls.attached()
    runtime = make_runtime(events_poll_seconds=0.01)
    run = a_run()
    runtime.table.put(runtime.runs.start_item(run, None, lease_until=int(utc_now().timestamp()) + 65))
    runtime.run_events.put(run, deltas(1, 3))
    down = threading.Event()

    def refuse_when_down(name: str, params: dict[str, Any]) -> None:
        if down.is_set() and name.startswith("dynamodb."):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    calls.delay = refuse_when_down
    owner = Caller(tenant_id="acme", caller_id=run.caller_id, key_id="k1")
    follower = runtime.follower(owner, run.run_id, after=0)
    got: list[Numbered] = []
    async for item in follower.numbered():
        got.append(item)
        if item.seq == 3:
            down.set()  # the run goes on, but its events can no longer be read

    assert [item.seq for item in got] == [1, 2, 3, 3]
    assert got[-1].event.type == "error" and "Last-Event-ID" in got[-1].event.message
