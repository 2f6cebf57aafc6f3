"""One streamed turn, measured from the client: first byte, first text frame, ``done``, the
server's CPU, and the AWS calls and write units it made.

Server CPU is read in-process, with nothing else running: the process's CPU time over the
request (``time.process_time``), less the client thread's own (``time.thread_time``), less what
moto spent answering (see :class:`bench.aws_calls.AwsCalls`), less what fakes in this process
spent (``other_cpu``: the loopback Messages API, when one is used). What is left is uvicorn, the
app, boto3's and the SDK's own work, and an in-process model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.aws_calls import AwsCalls
from bench.write_units import Units
from tests.support.sse import Frame, frames


@dataclass(frozen=True)
class Endpoint:
    """A streaming chat route that takes ``{"message", "session_id"}``: where, with which headers,
    which frames carry text, and where the first frame says the session id."""

    url: str
    headers: dict[str, str]
    text_event: str
    session_of: Callable[[Frame], Any]


@dataclass(frozen=True)
class Timed:
    """One turn as measured; times in seconds from sending the request."""

    session_id: str
    first_byte_s: float
    first_text_s: float
    done_s: float
    server_cpu_s: float
    aws_s: float  # wall time inside AWS calls (moto in-process, not AWS's latency)
    moto_cpu_s: float
    moto_cpu_by_first_byte_s: float
    moto_cpu_by_done_s: float
    calls: dict[str, int]
    errors: dict[str, int]
    on_event_loop: dict[str, int]
    units: Units
    frames: list[Frame] = field(repr=False)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def events(self) -> list[str]:
        return [frame.event for frame in self.frames]


def timed_turn(
    client: httpx.Client,
    endpoint: Endpoint,
    aws: AwsCalls,
    message: str,
    session_id: str | None = None,
    other_cpu: Callable[[], float] = lambda: 0.0,
) -> Timed:
    """Send one turn and read its stream to the end; it must stream text and end with ``done``.
    ``other_cpu`` is a running total of the CPU time fakes in this process have spent."""
    body = {"message": message} | ({"session_id": session_id} if session_id else {})
    aws.reset()
    first_byte = first_text = done = moto_by_first_byte = moto_by_done = 0.0
    seen: list[Frame] = []
    pending = ""
    other_before, process_before, client_before = other_cpu(), time.process_time(), time.thread_time()
    started = time.perf_counter()
    with client.stream("POST", endpoint.url, json=body, headers=endpoint.headers) as response:
        if response.status_code != 200:
            response.read()
            raise RuntimeError(f"{endpoint.url}: HTTP {response.status_code} {response.text[:300]}")
        for chunk in response.iter_text():
            now = time.perf_counter() - started
            if not first_byte:
                first_byte, moto_by_first_byte = now, aws.moto_cpu_s
            pending += chunk
            *blocks, pending = pending.split("\n\n")
            for frame in frames(line for block in blocks for line in [*block.split("\n"), ""]):
                seen.append(frame)
                if frame.event == endpoint.text_event and not first_text:
                    first_text = now
                if frame.event == "done":
                    done, moto_by_done = now, aws.moto_cpu_s
    server_cpu = (
        (time.process_time() - process_before)
        - (time.thread_time() - client_before)
        - aws.moto_cpu_s
        - (other_cpu() - other_before)
    )
    if not done or not first_text:
        raise RuntimeError(f"{endpoint.url}: the turn did not stream text and end: {[f.event for f in seen]}")
    return Timed(
        session_id=str(endpoint.session_of(seen[0])),
        first_byte_s=first_byte,
        first_text_s=first_text,
        done_s=done,
        server_cpu_s=server_cpu,
        aws_s=aws.seconds,
        moto_cpu_s=aws.moto_cpu_s,
        moto_cpu_by_first_byte_s=moto_by_first_byte,
        moto_cpu_by_done_s=moto_by_done,
        calls=dict(sorted(aws.counts.items())),
        errors=dict(aws.errors),
        on_event_loop=dict(aws.on_event_loop),
        units=aws.units,
        frames=seen,
    )
