"""The runtime's log lines as it writes them (Powertools' JSON, the request's keys included)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent_core.observability import logger

LogLine = dict[str, Any]


class LogLines(logging.Handler):
    """Each record of the runtime's logger, formatted by the logger's own formatter when it is
    written (so in the context of the request that wrote it), then parsed back."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[LogLine] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(logger.registered_formatter.format(record)))


@contextmanager
def captured_log_lines() -> Iterator[list[LogLine]]:
    """Every line the runtime logs inside the block, in order."""
    handler = LogLines()
    target = logging.getLogger(logger.name)
    target.addHandler(handler)
    try:
        yield handler.lines
    finally:
        target.removeHandler(handler)


def lines_saying(lines: list[LogLine], message: str) -> list[LogLine]:
    return [line for line in lines if line.get("message") == message]
