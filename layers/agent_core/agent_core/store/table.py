"""The one DynamoDB table: item encoding and the translation of AWS errors."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from agent_core import keys
from agent_core.errors import InvalidRequest, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Item = dict[str, Any]
TABLE_KEY = ("PK", "SK")
INDEX_KEYS = {"GSI1": ("GSI1PK", "GSI1SK")}

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def encode(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python values → DynamoDB's attribute-value wire format."""
    return {name: _serializer.serialize(value) for name, value in item.items() if value is not None}


def decode(item: Mapping[str, Any]) -> Item:
    """DynamoDB's attribute-value wire format → plain Python values (numbers as ``int``, binaries
    as ``bytes``)."""
    plain: Item = {}
    for name, value in item.items():
        decoded = _deserializer.deserialize(value)
        if isinstance(decoded, Binary):
            decoded = decoded.value  # type: ignore[attr-defined]  # boto3-stubs lack it
        plain[name] = int(decoded) if type(decoded).__name__ == "Decimal" else decoded
    return plain


def encode_cursor(last_key: Mapping[str, Any] | None) -> str | None:
    """An opaque cursor for the page after ``last_key`` (a decoded LastEvaluatedKey)."""
    if not last_key:
        return None
    raw = json.dumps(dict(last_key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise _not_ours() from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _not_ours()
    return value


def start_key(cursor: str, *, tenant_id: str, partition: str, index: str | None) -> dict[str, str]:
    """The ExclusiveStartKey behind ``cursor``, if the very listing it is used for could have issued it.

    It must hold exactly the key attributes of that query (the index's, then the table's), each a
    string DynamoDB takes as a key value, name the partition being queried and an item of this
    tenant. Anything else is the caller's mistake (a 422), not a ValidationException from DynamoDB.
    """
    key = decode_cursor(cursor)
    names = (*INDEX_KEYS[index], *TABLE_KEY) if index else TABLE_KEY
    if (
        set(key) != set(names)
        or not all(_is_key_value(name, value) for name, value in key.items())
        or key[names[0]] != partition
        or not keys.belongs_to(tenant_id, key["PK"])
    ):
        raise _not_ours()
    return key


def _is_key_value(name: str, value: str) -> bool:
    # A partition key value is 1 to 2,048 bytes, a sort key value 1 to 1,024 (DynamoDB's constraints:
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
    size = len(value.encode())
    return 1 <= size <= (2048 if name.endswith("PK") else 1024)


def _not_ours() -> InvalidRequest:
    return InvalidRequest("cursor is not one this API issued", code="invalid_cursor")


class Table:
    """A low-level DynamoDB client bound to the runtime's table."""

    def __init__(self, client: DynamoDBClient, name: str) -> None:
        self.client = client
        self.name = name

    @contextmanager
    def translated_errors(self, action: str) -> Iterator[None]:
        """Turn AWS failures into :class:`StorageUnavailable`; conditional failures pass through."""
        try:
            yield
        except ClientError as exc:
            if is_condition_failure(exc):
                raise
            code = exc.response.get("Error", {}).get("Code", "error")
            raise StorageUnavailable(f"could not {action}: {code}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"could not {action}: {type(exc).__name__}") from exc

    def get(
        self, pk: str, sk: str, *, consistent: bool = False, include_expired: bool = False
    ) -> Item | None:
        """One item, or ``None``; an item past its TTL counts as gone unless asked for."""
        with self.translated_errors("read an item"):
            response = self.client.get_item(
                TableName=self.name, Key=encode({"PK": pk, "SK": sk}), ConsistentRead=consistent
            )
        found = response.get("Item")
        if not found:
            return None
        item = decode(found)
        return item if include_expired or not is_expired(item) else None

    def put(self, item: Mapping[str, Any], **conditions: Any) -> None:
        with self.translated_errors("write an item"):
            self.client.put_item(TableName=self.name, Item=encode(item), **conditions)

    def query(self, *, include_expired: bool = False, **params: Any) -> tuple[list[Item], Item | None]:
        """One Query page: decoded items (those past their TTL dropped) and the LastEvaluatedKey."""
        with self.translated_errors("query the table"):
            response = self.client.query(TableName=self.name, **params)
        last = response.get("LastEvaluatedKey")
        items = [decode(item) for item in response.get("Items", [])]
        if not include_expired:
            items = [item for item in items if not is_expired(item)]
        return items, decode(last) if last else None

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """One TransactWriteItems call; each action names no table, this adds it."""
        for action in actions:
            next(iter(action.values()))["TableName"] = self.name
        with self.translated_errors("write a transaction"):
            self.client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]

    def batch_get(self, keys: list[tuple[str, str]], *, attributes: tuple[str, ...] = ()) -> dict[str, Item]:
        """Items by (PK, SK), one BatchGetItem per 100 keys (what comes back unprocessed is asked
        again); keyed by PK, items past their TTL left out."""
        found: dict[str, Item] = {}
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                "Keys": [encode({"PK": pk, "SK": sk}) for pk, sk in keys[start : start + 100]]
            }
            if attributes:
                request["ProjectionExpression"] = ", ".join(f"#a{i}" for i in range(len(attributes)))
                request["ExpressionAttributeNames"] = {f"#a{i}": name for i, name in enumerate(attributes)}
            pending: dict[str, Any] = {self.name: request}
            while pending:
                with self.translated_errors("read items"):
                    response = self.client.batch_get_item(RequestItems=pending)
                for raw in response.get("Responses", {}).get(self.name, []):
                    item = decode(raw)
                    if not is_expired(item):
                        found[item["PK"]] = item
                pending = dict(response.get("UnprocessedKeys") or {})
        return found

    def batch_delete(self, keys: list[tuple[str, str]]) -> None:
        """Delete items by (PK, SK), one BatchWriteItem per 25 keys (what comes back unprocessed
        is sent again)."""
        for start in range(0, len(keys), 25):
            requests = [
                {"DeleteRequest": {"Key": encode({"PK": pk, "SK": sk})}}
                for pk, sk in keys[start : start + 25]
            ]
            pending: dict[str, Any] = {self.name: requests}
            while pending:
                with self.translated_errors("delete items"):
                    response = self.client.batch_write_item(RequestItems=pending)
                pending = dict(response.get("UnprocessedItems") or {})
                if pending:
                    time.sleep(0.05)  # throttled: give the partition a moment

    def describe(self) -> str:
        with self.translated_errors("describe the table"):
            return self.client.describe_table(TableName=self.name)["Table"].get("TableStatus", "")


def is_expired(item: Item) -> bool:
    """DynamoDB deletes expired items up to ~48 h late, so reads must skip them themselves."""
    expires_at = item.get("expires_at")
    return isinstance(expires_at, int) and expires_at <= time.time()


def condition_failed_at(exc: ClientError, index: int) -> bool:
    """Whether the condition of action ``index`` of a cancelled transaction failed."""
    reasons = exc.response.get("CancellationReasons", [])
    return index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed"


def is_condition_failure(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = exc.response.get("CancellationReasons", [])
        return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)
    return False


def page_query(
    table: Table,
    *,
    tenant_id: str,
    partition: str,
    limit: int,
    cursor: str | None,
    index: str | None = None,
    newest_first: bool = True,
    sort_from: str | None = None,
    sort_before: str | None = None,
) -> tuple[list[Item], str | None]:
    """One page of a tenant's partition, newest first, resumable with an opaque cursor; with
    ``sort_from`` and ``sort_before``, only sort keys from the one (inclusive) to the other.

    A cursor is only accepted for the partition it was issued for (see :func:`start_key`), so one
    from another tenant or another listing is refused. The key condition pins the query to
    ``partition`` whatever the cursor says: no cursor can page into another partition.
    """
    pk_name, sk_name = INDEX_KEYS[index] if index else TABLE_KEY
    condition = "#pk = :pk"
    values: dict[str, Any] = {":pk": partition}
    if sort_from is not None and sort_before is not None:
        condition += " AND #sk BETWEEN :from AND :before"  # a sort key is "<time>#<id>": > <time>
        values |= {":from": sort_from, ":before": sort_before}
    elif sort_from is not None:
        condition += " AND #sk >= :from"
        values[":from"] = sort_from
    elif sort_before is not None:
        condition += " AND #sk < :before"
        values[":before"] = sort_before
    params: dict[str, Any] = {
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": {"#pk": pk_name}
        | ({"#sk": sk_name} if ":from" in values or ":before" in values else {}),
        "ExpressionAttributeValues": encode(values),
        "ScanIndexForward": not newest_first,
        "Limit": limit,
    }
    if index:
        params["IndexName"] = index
    if cursor:
        start = start_key(cursor, tenant_id=tenant_id, partition=partition, index=index)
        params["ExclusiveStartKey"] = encode(start)
    items, last = table.query(**params)
    return items, encode_cursor(last)
