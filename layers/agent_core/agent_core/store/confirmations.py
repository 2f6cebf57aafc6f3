"""Writes waiting for a person's confirmation: one item each, in the session's partition.

A run that pauses for a confirmation stores it with the turn's end (see
:meth:`SessionStore.end_turn`); deciding it is one conditional write (single use, before it
expires), made in the same transaction that resumes the run (:meth:`SessionStore.resume_turn`) or
that settles a run nobody will resume (:meth:`SessionStore.settle`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent_core import keys
from agent_core.llm.types import Thinking
from agent_core.store.packing import pack, unpack
from agent_core.store.table import Table, encode

Decision = Literal["approved", "rejected", "expired", "superseded"]


def arguments_hash(arguments: dict[str, Any]) -> str:
    """The SHA-256 of a call's arguments in canonical JSON: what was shown is what runs."""
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Confirmation(BaseModel):
    """A paused write, and everything needed to resume its run exactly where it stopped.

    The model's context (the turn's messages, thinking blocks included) is stored with the turn;
    this holds the call itself (its exact arguments and their hash), who may decide it and until
    when, and the settings the run continues with.
    """

    model_config = ConfigDict(frozen=True)

    call_id: str
    run_id: str
    tenant_id: str
    session_id: str
    agent_id: str
    caller_id: str
    turn: int
    tool: str
    tool_use_id: str
    arguments: dict[str, Any]
    arguments_sha256: str
    position: int  # of the call among the tool uses of the answer that asked for it
    resume_part: int = 0  # where the resumed run's messages go among the turn's stored parts
    tools: tuple[str, ...]  # the tools the run offers
    steps_left: int
    max_tokens: int
    thinking: Thinking
    created_at: str
    expires_at: str
    decision: Decision | None = None
    decided_by: str | None = None
    decided_at: str | None = None


class ConfirmationStore:
    def __init__(self, table: Table, *, retention_days: int) -> None:
        self.table = table
        self.retention_days = retention_days

    def item(self, confirmation: Confirmation, *, expires_at: int) -> dict[str, Any]:
        """The stored item; ``expires_at`` is when the table forgets it (the session's retention)."""
        return {
            "PK": keys.session_pk(confirmation.tenant_id, confirmation.session_id),
            "SK": keys.confirmation_sk(confirmation.call_id),
            "expires_at": expires_at,
            "confirm_by": int(datetime.fromisoformat(confirmation.expires_at).timestamp()),
            "data": pack(confirmation.model_dump_json()),
        }

    def get(self, tenant_id: str, session_id: str, call_id: str) -> Confirmation | None:
        item = self.table.get(
            keys.session_pk(tenant_id, session_id), keys.confirmation_sk(call_id), consistent=True
        )
        if item is None:
            return None
        confirmation = Confirmation.model_validate_json(unpack(item["data"]))
        return confirmation.model_copy(
            update={
                "decision": item.get("decision"),
                "decided_by": item.get("decided_by"),
                "decided_at": item.get("decided_at"),
            }
        )

    @staticmethod
    def decide_action(
        confirmation: Confirmation, decision: Decision, *, by: str, at: str, within: int | None = None
    ) -> dict[str, Any]:
        """The transaction write that decides ``confirmation``, once: it fails if it was decided
        already, or (given ``within``, an epoch second) if it had expired by then."""
        condition = "attribute_exists(PK) AND attribute_not_exists(decision)"
        values: dict[str, Any] = {":decision": decision, ":by": by, ":at": at}
        if within is not None:
            condition += " AND confirm_by >= :now"
            values[":now"] = within
        return {
            "Update": {
                "Key": encode(
                    {
                        "PK": keys.session_pk(confirmation.tenant_id, confirmation.session_id),
                        "SK": keys.confirmation_sk(confirmation.call_id),
                    }
                ),
                "UpdateExpression": "SET decision = :decision, decided_by = :by, decided_at = :at",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": encode(values),
            }
        }
