"""Requests retried with an ``Idempotency-Key``: which turn a caller's key started.

A key is claimed in the transaction that starts its turn (:meth:`SessionStore.begin_turn`), so two
requests with one key never both start one; the claim names the run, whose stored record answers
every retry for 24 hours. One item per tenant, owner (caller and end user) and key, in a partition of its own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent_core import keys
from agent_core.store.records import RunRecord
from agent_core.store.table import Table, encode
from agent_core.tenancy import Owner

KEEP_HOURS = 24  # how long a retry with the same key gets the first turn's result


@dataclass(frozen=True)
class IdempotencyKey:
    """A request's ``Idempotency-Key`` and a hash of what it asked (route, agent and body), so
    that the key reused for another request is told apart from a retry."""

    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, request: dict[str, Any]) -> IdempotencyKey:
        canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return cls(key, hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True)
class Claim:
    """The turn a key started."""

    fingerprint: str
    run_id: str
    session_id: str


class IdempotencyStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def find(self, tenant_id: str, owner: Owner, key: IdempotencyKey) -> Claim | None:
        """The turn this owner's key started in the last 24 hours, if any (a consistent read)."""
        pk = keys.idempotency_pk(tenant_id, owner.caller_id, owner.end_user_id, key.key)
        item = self.table.get(pk, keys.IDEMPOTENCY_SK, consistent=True)
        if item is None:
            return None
        return Claim(fingerprint=item["fingerprint"], run_id=item["run_id"], session_id=item["session_id"])

    def claim(self, run: RunRecord, key: IdempotencyKey, now: datetime) -> dict[str, Any]:
        """The transaction action that claims ``key`` for ``run``: it fails while the key is held."""
        expires = int((now + timedelta(hours=KEEP_HOURS)).timestamp())
        item = {
            "PK": keys.idempotency_pk(run.tenant_id, run.caller_id, run.end_user_id, key.key),
            "SK": keys.IDEMPOTENCY_SK,
            "fingerprint": key.fingerprint,
            "run_id": run.run_id,
            "session_id": run.session_id,
            "expires_at": expires,
        }
        return {
            "Put": {
                "Item": encode(item),
                # DynamoDB deletes an expired item up to days late: until then it may be claimed again.
                "ConditionExpression": "attribute_not_exists(PK) OR expires_at <= :now",
                "ExpressionAttributeValues": encode({":now": int(now.timestamp())}),
            }
        }
