"""Timestamps in one format: UTC ISO-8601 with milliseconds, which sorts as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_after(moment: datetime, days: int) -> int:
    """Unix seconds ``days`` after ``moment``: the value of a TTL attribute."""
    return int((moment + timedelta(days=days)).timestamp())
