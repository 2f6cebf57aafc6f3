"""``Last-Event-ID``: the last event a client read of a run's stream, as it sends it back.

An SSE id is ``<run_id>:<seq>``; a client reconnecting names the last one it got, and the run's
stream goes on after it (see :mod:`agent_core.following`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from agent_core.errors import InvalidRequest
from agent_core.keys import checked_id

LastEventIdHeader = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        max_length=100,
        description="The id of the last event read (<run_id>:<seq>): the run's stream goes on after it.",
    ),
]


def last_event_of(value: str) -> tuple[str, int]:
    """The run and the event number a ``Last-Event-ID`` names; 422 if it is not such an id."""
    run_id, _, seq = value.strip().rpartition(":")
    if not seq.isdigit() or len(seq) > 7:
        raise InvalidRequest("Last-Event-ID must be an event id of this API: <run_id>:<seq>")
    return checked_id(run_id, "run_id"), int(seq)
