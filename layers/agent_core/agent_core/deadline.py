"""A turn's deadline: one value, built once, read as a wall-clock time and as seconds left."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent_core.clock import iso


@dataclass(frozen=True)
class Deadline:
    """When a turn must have ended: ``at`` for records and leases, a monotonic clock for waiting."""

    at: datetime
    _monotonic: float

    @classmethod
    def after(cls, start: datetime, seconds: float) -> Deadline:
        return cls(at=start + timedelta(seconds=seconds), _monotonic=time.monotonic() + seconds)

    @property
    def iso(self) -> str:
        return iso(self.at)

    @property
    def epoch(self) -> int:
        return int(self.at.timestamp())

    def remaining(self) -> float:
        """Seconds left (negative once it has passed)."""
        return self._monotonic - time.monotonic()
