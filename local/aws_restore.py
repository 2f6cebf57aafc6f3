"""Bring the journaled local AWS back: replay the journal into moto, then compact it.

Replaying must stay fast as the journal grows. moto's ``TransactWriteItems`` deep-copies the
whole table for each of its items, to roll back on failure (``transact_write_items`` in
``moto/dynamodb/models/__init__.py``, moto 5.2), so replaying a few hundred chat turns that way
takes tens of seconds. Every journaled transaction succeeded once, and replayed in the same order
it meets the same state, so :func:`replay` applies its writes one by one (conditions kept), which
costs what a ``PutItem`` costs. Then :func:`compact` rewrites the journal as the state it produced:
the same table, TTL and secret changes, and the items of each table as they are now, minus those
whose TTL has passed (as DynamoDB's TTL would delete them).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from werkzeug.test import Client

from local.aws_journal import Request, WsgiApp

DYNAMODB = "DynamoDB_20120810."
# Operations that write items (not tables): compaction replaces them with the items they left.
_ITEM_WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_TRANSACT_OPERATIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_BATCH = 25  # BatchWriteItem's limit
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")


class RestoreError(Exception):
    """moto answered a request that only reads with an error: the local AWS cannot be read back."""


@dataclass(frozen=True)
class Replayed:
    requests: int
    refused: int


def replay(app: WsgiApp, requests: Iterable[Request]) -> Replayed:
    """Send ``requests`` through ``app`` in-process, in order; count those it refuses now."""
    client = Client(app)
    count = refused = 0
    for request in requests:
        for step in _unrolled(request):
            refused += _send(client, step)[0] >= 400
        count += 1
    return Replayed(count, refused)


def compact(app: WsgiApp, requests: list[Request], *, now: float | None = None) -> list[Request]:
    """``requests`` without their item writes, then one ``BatchWriteItem`` per 25 items of each table."""
    kept = [r for r in requests if _operation(r) not in _ITEM_WRITES]
    # One request per account and region holds the credentials that reach that region's tables.
    regions = {_scope(r): r for r in requests if _operation(r) is not None}
    client = Client(app)
    now = time.time() if now is None else now
    puts = []
    for like in regions.values():
        for table in _call(client, like, "ListTables", {}).get("TableNames", []):
            expiry = _ttl_attribute(_call(client, like, "DescribeTimeToLive", {"TableName": table}))
            items = [i for i in _scan(client, like, table) if not _expired(i, expiry, now)]
            for start in range(0, len(items), _BATCH):
                chunk = [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
                puts.append(_request(like, "BatchWriteItem", {"RequestItems": {table: chunk}}))
    return kept + puts


def _scope(request: Request) -> str:
    """``<access key>/<region>`` of a SigV4-signed request (moto derives the account from the key)."""
    authorization = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    found = _CREDENTIAL.search(authorization)
    return f"{found[1]}/{found[2]}" if found else ""


def _operation(request: Request) -> str | None:
    """The DynamoDB operation of ``request``; ``None`` for any other service."""
    target = next((v for k, v in request.headers.items() if k.lower() == "x-amz-target"), "")
    return target.removeprefix(DYNAMODB) if target.startswith(DYNAMODB) else None


def _unrolled(request: Request) -> Iterator[Request]:
    if _operation(request) != "TransactWriteItems":
        yield request
        return
    for item in json.loads(request.body)["TransactItems"]:
        (kind, write), *_ = item.items()
        if kind in _TRANSACT_OPERATIONS:
            write = {k: v for k, v in write.items() if k != "ReturnValuesOnConditionCheckFailure"}
            yield _request(request, _TRANSACT_OPERATIONS[kind], write)


def _request(like: Request, operation: str, body: dict[str, Any]) -> Request:
    """A DynamoDB request with ``like``'s headers (its credentials choose the account and region)."""
    headers = {k: v for k, v in like.headers.items() if k.lower() != "x-amz-target"}
    headers["X-Amz-Target"] = DYNAMODB + operation
    return replace(like, method="POST", path="/", headers=headers, body=json.dumps(body).encode())


def _send(client: Client, request: Request) -> tuple[int, bytes]:
    response = client.open(request.path, method=request.method, headers=request.headers, data=request.body)
    try:
        return response.status_code, response.get_data()
    finally:
        response.close()


def _call(client: Client, like: Request, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    status, data = _send(client, _request(like, operation, body))
    if status >= 400:
        raise RestoreError(f"moto refused {operation} while restoring the local AWS: {data[:200]!r}")
    answer: dict[str, Any] = json.loads(data)
    return answer


def _scan(client: Client, like: Request, table: str) -> Iterator[dict[str, Any]]:
    body: dict[str, Any] = {"TableName": table}
    while True:
        page = _call(client, like, "Scan", body)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        body["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _ttl_attribute(description: dict[str, Any]) -> str | None:
    ttl = description.get("TimeToLiveDescription", {})
    return ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None


def _expired(item: dict[str, Any], attribute: str | None, now: float) -> bool:
    value = item.get(attribute or "", {}).get("N")
    try:
        return value is not None and float(value) < now
    except ValueError:
        return False
