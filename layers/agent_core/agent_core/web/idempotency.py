"""The ``Idempotency-Key`` request header of the routes that start a turn, and what it marks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request, Response
from pydantic import BaseModel

from agent_core.store.idempotency import IdempotencyKey

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",  # visible ASCII: a UUID, or any token the client makes
        description="Send the same key when you retry the same request: for 24 hours a retry gets "
        "the first request's turn (its events, or its reply) instead of starting another.",
    ),
]


def idempotency_of(key: str | None, request: Request, body: BaseModel) -> IdempotencyKey | None:
    """The request's key with a hash of what it asks (its path, the agent's in it, and its body)."""
    if key is None:
        return None
    return IdempotencyKey.of(key, {"path": request.url.path, "body": body.model_dump(mode="json")})


def mark_replayed(response: Response) -> None:
    """Tell the client its answer is a replay of the first request's turn."""
    response.headers[REPLAYED_HEADER] = "true"
