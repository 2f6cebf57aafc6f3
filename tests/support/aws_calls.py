"""Every AWS call a runtime makes, in order, counted by a botocore hook (no timing involved)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

# The usage counters' partitions (agent_core.keys.tool_rate_pk, turns_pk, spend_pk).
_COUNTER = re.compile(r"^TENANT#[^#]+#(CALLS|TURNS|SPEND)#")


@dataclass
class AwsCalls:
    """The calls made through the default boto3 session since :meth:`reset`, as ``service.Operation``
    names in the order they were sent, with the secret or item each one named.

    ``counters`` are the calls of the usage counters' upkeep (they touch nothing else), which runs
    in the background beside the turns; ``turn`` are the others, in order."""

    sent: list[str] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)
    turn: list[str] = field(default_factory=list)
    secrets: Counter[str] = field(default_factory=Counter)
    delay: Callable[[str, dict[str, Any]], None] | None = None  # runs inside a call, before it is sent
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def attached(cls) -> AwsCalls:
        """Counting on a fresh default session: every client made from now on is seen."""
        calls = cls()
        session = boto3.DEFAULT_SESSION = boto3.Session()
        session.events.register("provide-client-params.*.*", calls._on_call)
        return calls

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.counters.clear()
            self.turn.clear()
            self.secrets.clear()

    def count(self, operation: str | None = None) -> int:
        with self._lock:
            return len(self.sent) if operation is None else self.sent.count(operation)

    def _on_call(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        service, operation = event_name.split(".")[1:]
        name = f"{service}.{operation}"
        with self._lock:
            self.sent.append(name)
            (self.counters if _touches_counters_only(params) else self.turn).append(name)
            if operation == "GetSecretValue":
                self.secrets[str(params.get("SecretId"))] += 1
        if self.delay is not None:
            self.delay(name, params)


def _touches_counters_only(params: dict[str, Any]) -> bool:
    if isinstance(params.get("Key"), str):  # an S3 object's key: no counter of the table
        return False
    if "Key" in params:
        keys = [params["Key"]]
    else:
        keys = [
            key
            for request in params.get("RequestItems", {}).values()
            if isinstance(request, dict)  # a BatchGetItem's; a BatchWriteItem's is a list of writes
            for key in request.get("Keys", [])
        ]
    return bool(keys) and all(_COUNTER.match(str(key.get("PK", {}).get("S", ""))) for key in keys)
