"""A clock a test sets by hand, for what counts in windows of time (the usage limits)."""

from __future__ import annotations

from datetime import datetime


class ManualClock:
    """Epoch seconds that move only when the test says so: ``clock()`` is the time."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def set(self, moment: datetime) -> None:
        self.now = moment.timestamp()
