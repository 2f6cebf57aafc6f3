"""moto's DynamoDB made to write as DynamoDB does: atomically, isolated from other writes and reads.

DynamoDB checks a write's condition and applies it atomically, and isolates transactions from
each other and from single-item writes (serializable isolation:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-isolation).
moto checks and then applies, unlocked, so two threads that write at once can both pass a
condition that only one of them may pass (two turns claiming one Idempotency-Key). Tests serve
requests on several threads, so the fake is held to the real rule here.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

# Writes, and the reads that must not see a transaction half applied.
OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan")
_LOCK = threading.RLock()


def _serialized(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return write(*args, **kwargs)

    return locked


def make_writes_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write of moto's DynamoDB, and every read, one at a time (for this test)."""
    for name in OPERATIONS:
        monkeypatch.setattr(DynamoDBBackend, name, _serialized(getattr(DynamoDBBackend, name)))
