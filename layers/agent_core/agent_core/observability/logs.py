"""Structured logs (Powertools' Logger, one per process), with the ids of the request being served.

Every line carries the ids known where it is written: the request's (``request_id``, and Lambda's
``function_request_id``), then the tenant's, then the turn's (``agent_id``, ``run_id``,
``session_id``), then a tool call's (``call_id``).

Powertools' ``append_keys`` keeps keys in the formatter, which every request of the process
shares, and uvicorn serves concurrent requests on one event loop. So keys go through
``thread_safe_append_keys``: Powertools keeps those in a ``ContextVar``, which each asyncio task
(uvicorn runs one per request) and each ``asyncio.to_thread`` call copies, so a request's keys
never reach another request's lines. Keys are only ever replaced by a new dict, never edited in
place: Powertools' ``thread_safe_remove_keys`` pops from the very dict a copied context still
holds, and would take a key away from work still running for the same request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger

SERVICE = "agent-runtime"

logger = Logger(service=SERVICE)


def start_request_keys(**keys: str | None) -> None:
    """A new request's keys, and none of an earlier one's (a task may serve several requests:
    Mangum's event loop, or a test calling the app in-process)."""
    logger.thread_safe_clear_keys()
    add_log_keys(**keys)


def add_log_keys(**keys: str | None) -> None:
    """Keys every later line of this request (this task, and what it starts) carries."""
    logger.thread_safe_append_keys(**{name: value for name, value in keys.items() if value is not None})


@contextmanager
def log_keys(**keys: str | None) -> Iterator[None]:
    """Keys carried by the lines written inside the block, and no longer after it."""
    before = dict(logger.thread_safe_get_current_keys())
    add_log_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(**before)
