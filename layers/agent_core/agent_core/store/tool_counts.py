"""A tenant's tool calls, counted per hour: one bucket item per tenant and hour, kept two days.

Buckets are added to with an atomic ``ADD`` (any number of processes at once), and a day of them is
one Query, which is how the anomaly breaker learns what is usual for a tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from agent_core import keys
from agent_core.clock import epoch_after, iso
from agent_core.store.table import Table, decode, encode, is_condition_failure

TRAILING_HOURS = 24
KEEP_DAYS = 2  # a bucket must outlive the day after it, which it is part of the average of


def hour_of(moment: datetime) -> str:
    """The hour ``moment`` falls in, as its bucket names it (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")


def hour_start(moment: datetime) -> datetime:
    """The start of the hour ``moment`` falls in (UTC)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class HourCount:
    """A bucket after an addition: the tenant's tool calls this hour, and whether it has tripped."""

    calls: int
    tripped: bool


class ToolCallCounts:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, tenant_id: str, hour: datetime, calls: int) -> HourCount:
        """Add ``calls`` to the tenant's bucket for ``hour``; the bucket as it is now, across processes."""
        item = self._update(
            tenant_id,
            hour,
            "add to the tool-call count",
            UpdateExpression="ADD calls :calls SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeValues=encode({":calls": calls, ":expires": epoch_after(hour, KEEP_DAYS)}),
            ReturnValues="ALL_NEW",
        )
        return HourCount(calls=int(item.get("calls", 0)), tripped="tripped_at" in item)

    def trailing_average(self, tenant_id: str, hour: datetime) -> float:
        """The tenant's tool calls per hour over the 24 hours before ``hour`` (an hour without a
        bucket counts as none); one Query."""
        first, last = hour - timedelta(hours=TRAILING_HOURS), hour - timedelta(hours=1)
        items, _ = self.table.query(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :first AND :last",
            ExpressionAttributeValues=encode(
                {
                    ":pk": keys.tool_calls_pk(tenant_id),
                    ":first": keys.hour_sk(hour_of(first)),
                    ":last": keys.hour_sk(hour_of(last)),
                }
            ),
            ProjectionExpression="calls",
        )
        return sum(int(item.get("calls", 0)) for item in items) / TRAILING_HOURS

    def mark_tripped(self, tenant_id: str, hour: datetime, *, at: datetime) -> bool:
        """Note that ``hour`` tripped the breaker; ``False`` if it already had (another process got
        there first), so an hour alerts once."""
        try:
            self._update(
                tenant_id,
                hour,
                "mark the hour tripped",
                UpdateExpression="SET tripped_at = :at",
                ConditionExpression="attribute_not_exists(tripped_at)",
                ExpressionAttributeValues=encode({":at": iso(at)}),
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _update(self, tenant_id: str, hour: datetime, action: str, **params: Any) -> dict[str, Any]:
        key = {"PK": keys.tool_calls_pk(tenant_id), "SK": keys.hour_sk(hour_of(hour))}
        with self.table.translated_errors(action):
            response = self.table.client.update_item(TableName=self.table.name, Key=encode(key), **params)
        return decode(response.get("Attributes", {}))
