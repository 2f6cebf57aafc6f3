"""A run's stream events, stored in numbered chunks in the run's own partition.

Each chunk is one item holding consecutive events, each with its number (``seq``, the ``<seq>`` of
the SSE id ``<run_id>:<seq>``), keyed by the number of its last event. The events after ``n`` are
then the chunks whose key sorts after ``n``'s: one Query, however the run's events were batched.
Events are stored as the client saw them, one for one (text deltas are not merged): a replay gives
every id it gave live, and a client's ``Last-Event-ID`` always names an event that exists.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_core import keys
from agent_core.clock import epoch_after
from agent_core.events import StreamEvent, stream_event_adapter
from agent_core.store.packing import pack, unpack
from agent_core.store.records import RunRecord
from agent_core.store.table import Table, encode

# A chunk stays well under DynamoDB's 400 KB item limit, with room beside it in a transaction.
MAX_CHUNK_BYTES = 200_000


@dataclass(frozen=True)
class Numbered:
    """One stream event with its number in its run (from 1)."""

    seq: int
    event: StreamEvent


class RunEventStore:
    """Chunks of a run's events: written by the turn, read by a client replaying them."""

    def __init__(self, table: Table, *, retention_days: int) -> None:
        self.table = table
        self.retention_days = retention_days

    def chunk_item(self, run: RunRecord, events: Sequence[Numbered]) -> dict[str, Any]:
        """The item of consecutive ``events`` of ``run`` (kept as long as the run's record)."""
        body = [{"seq": numbered.seq, "event": numbered.event.model_dump(mode="json")} for numbered in events]
        return {
            "PK": keys.run_pk(run.tenant_id, run.run_id),
            "SK": keys.run_events_sk(events[-1].seq),
            "expires_at": epoch_after(datetime.fromisoformat(run.started_at), self.retention_days),
            "events": pack(json.dumps(body, separators=(",", ":"))),
        }

    def put(self, run: RunRecord, events: Sequence[Numbered]) -> None:
        """Store one chunk (written again whole if retried: the same key, the same events)."""
        self.table.put(self.chunk_item(run, events))

    def after(self, tenant_id: str, run_id: str, seq: int) -> list[Numbered]:
        """The stored events of the run numbered above ``seq``, in order, each once."""
        found: dict[int, Numbered] = {}
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :after AND :last",
                "ExpressionAttributeValues": encode(
                    {
                        ":pk": keys.run_pk(tenant_id, run_id),
                        ":after": keys.run_events_sk(seq + 1),
                        ":last": keys.run_events_sk(9_999_999),
                    }
                ),
                "ConsistentRead": True,
            }
            if start is not None:
                params["ExclusiveStartKey"] = encode(start)
            items, start = self.table.query(**params)
            for item in items:
                for raw in json.loads(unpack(item["events"])):
                    if raw["seq"] > seq:
                        found[raw["seq"]] = Numbered(
                            raw["seq"], stream_event_adapter.validate_python(raw["event"])
                        )
            if start is None:
                return [found[n] for n in sorted(found)]


def chunks(events: Sequence[Numbered], max_bytes: int = MAX_CHUNK_BYTES) -> list[list[Numbered]]:
    """``events`` cut into runs of consecutive events that each fit in one item."""
    cut: list[list[Numbered]] = [[]]
    size = 0
    for numbered in events:
        length = len(numbered.event.model_dump_json())
        if cut[-1] and size + length > max_bytes:
            cut.append([])
            size = 0
        cut[-1].append(numbered)
        size += length
    return [chunk for chunk in cut if chunk]
