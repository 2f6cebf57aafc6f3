"""Every AWS API call a process makes, counted by botocore hooks on the default session."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import boto3

from bench.write_units import Units, write_units


class AwsCalls:
    """Counts API calls (``before-call``), the time spent in them, their DynamoDB write units, and
    those that ran on an event loop's thread (a blocking call inside async code stalls every other
    request of the process).

    It also keeps the CPU time moto spends answering (what AWS would spend on its side): moto
    answers inside ``before-send``, so the calling thread's CPU time is read by a handler that runs
    first and by one that runs last on that event."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()  # calls run on several threads at once
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.counts: Counter[str] = Counter()
            self.errors: Counter[str] = Counter()
            self.on_event_loop: Counter[str] = Counter()
            self.seconds = 0.0
            self.moto_cpu_s = 0.0
            self.units = Units()

    def attach(self, session: boto3.Session) -> None:
        session.events.register("before-call.*.*", self._before)
        session.events.register("after-call.*.*", self._after)
        session.events.register("after-call-error.*.*", self._after)
        session.events.register("provide-client-params.dynamodb.*", self._params)
        session.events.register_first("before-send", self._sending)
        session.events.register_last("before-send", self._sent)

    def _params(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        units = write_units(event_name.rsplit(".", 1)[1], params)
        with self._lock:
            self.units += units

    def _before(self, event_name: str, **_: Any) -> None:
        operation = event_name.split(".", 1)[1]
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            on_event_loop = False
        else:
            on_event_loop = True
        with self._lock:
            self.counts[operation] += 1
            if on_event_loop:
                self.on_event_loop[operation] += 1
        self._local.started = time.perf_counter()

    def _sending(self, **_: Any) -> None:
        self._local.send_cpu = time.thread_time()

    def _sent(self, **_: Any) -> None:
        spent = time.thread_time() - getattr(self._local, "send_cpu", time.thread_time())
        with self._lock:
            self.moto_cpu_s += spent

    def _after(self, event_name: str, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        spent = time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        code = (parsed or {}).get("Error", {}).get("Code")
        with self._lock:
            self.seconds += spent
            if code:
                self.errors[f"{event_name.split('.', 1)[1]} ({code})"] += 1
