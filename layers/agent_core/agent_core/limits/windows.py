"""The UTC windows a limit counts in (a second, a minute, a day, a month), and when each ends."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Moment:
    """An instant, seen as the windows it falls in."""

    at: datetime

    @classmethod
    def of(cls, epoch_seconds: float) -> Moment:
        return cls(datetime.fromtimestamp(epoch_seconds, UTC))

    def seconds_until(self, end: datetime) -> int:
        """Whole seconds from now until ``end``, at least 1 (what ``Retry-After`` says)."""
        return max(1, math.ceil((end - self.at).total_seconds()))

    @property
    def next_second(self) -> datetime:
        return self.at.replace(microsecond=0) + timedelta(seconds=1)

    @property
    def next_minute(self) -> datetime:
        return self.at.replace(second=0, microsecond=0) + timedelta(minutes=1)

    @property
    def next_day(self) -> datetime:
        return self.at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)

    @property
    def next_month(self) -> datetime:
        first = self.at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return (first + timedelta(days=32)).replace(day=1)

    def days_of_month(self) -> list[datetime]:
        """Midnight of every day of this month so far, today last."""
        first = self.at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return [first + timedelta(days=n) for n in range(self.at.day)]
