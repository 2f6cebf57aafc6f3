"""DynamoDB write units of the requests a turn sends, by DynamoDB's own sizing rules.

moto's ConsumedCapacity is nominal, so the units are computed from the request parameters:
an item's size is the sum of its attribute names and values (strings and binaries by their bytes,
numbers by about half their digits plus one, maps and lists with 3 bytes of overhead and 1 per
element); a write costs 1 unit per started KB, twice inside a transaction; a write to an item that
carries the index's keys costs the index 1 unit per started KB of what it projects. An update is counted by
the size of what it sends (the item's full size is not known to the caller: a lower bound).
Source: docs.aws.amazon.com/amazondynamodb/latest/developerguide — CapacityUnitCalculations.html
and GSI.html#GSI.ThroughputConsiderations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

INDEX_KEY = "GSI1PK"
# What GSI1 holds of an item (template.yaml: INCLUDE data, status; with its own and the table's keys).
INDEX_ATTRIBUTES = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "data", "status"})


@dataclass(frozen=True)
class Units:
    table: float = 0.0
    index: float = 0.0

    def __add__(self, other: Units) -> Units:
        return Units(self.table + other.table, self.index + other.index)

    @property
    def total(self) -> float:
        return self.table + self.index


def value_size(value: dict[str, Any]) -> int:
    (kind, data), *_ = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = str(data).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in data.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: item}) for item in data)
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _put(item: dict[str, Any], factor: int) -> Units:
    projected = {name: value for name, value in item.items() if name in INDEX_ATTRIBUTES}
    return Units(_kb(item_size(item)) * factor, _kb(item_size(projected)) if INDEX_KEY in item else 0)


def _update(params: dict[str, Any], factor: int) -> Units:
    size = item_size(params.get("Key", {})) + sum(
        value_size(v) for v in params.get("ExpressionAttributeValues", {}).values()
    )
    return Units(_kb(size) * factor)


def write_units(operation: str, params: dict[str, Any]) -> Units:
    """The write units of one DynamoDB request (0 for reads)."""
    if operation == "PutItem":
        return _put(params["Item"], 1)
    if operation == "UpdateItem":
        return _update(params, 1)
    if operation == "DeleteItem":
        return Units(1)
    if operation == "BatchWriteItem":
        total = Units()
        for requests in params.get("RequestItems", {}).values():
            for request in requests:
                total += _put(request["PutRequest"]["Item"], 1) if "PutRequest" in request else Units(1)
        return total
    if operation == "TransactWriteItems":
        total = Units()
        for action in params.get("TransactItems", []):
            if "Put" in action:
                total += _put(action["Put"]["Item"], 2)
            elif "Update" in action:
                total += _update(action["Update"], 2)
            elif "Delete" in action:
                total += Units(2)
        return total
    return Units()
