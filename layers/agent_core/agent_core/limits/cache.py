"""This process's view of the shared usage counters, kept without making a warm turn wait.

What a counter reads as here is what the table held when this process last read it, less what
this process had written to it by then, plus everything this process has counted since: so the
other instances' counts are at most one read old, and this process's own are always exact.

This process's counts go to the table in the background (one ``ADD`` per counter touched, as soon
as the previous write is done); a tenant's counters are read again, in the background too, when a
decision finds them older than ``refresh_seconds``. The first decision about a tenant, or one
after ``MAX_STALE_SECONDS`` without a read, reads before deciding. Writes and reads take turns
(one at a time, writes first), so a read always holds exactly what this process had written, and
they use one worker thread at a time, whatever the backlog.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from agent_core.errors import AgentRuntimeError
from agent_core.observability import logger
from agent_core.store.counters import CounterStore, Counts

MAX_STALE_SECONDS = 60.0
MAX_PAUSE_SECONDS = 30.0


@dataclass(frozen=True)
class Counter:
    """A counter to read; ``settled`` once its window is over (read once, then kept)."""

    pk: str
    settled: bool = False


# The counters to read for a tenant at an instant (epoch seconds).
Reader = Callable[[str, float], Sequence[Counter]]


@dataclass
class _Seen:
    """What was last read of one tenant's counters."""

    read_at: float | None = None
    values: dict[str, Counts] = field(default_factory=dict)
    ours_then: dict[str, Counts] = field(default_factory=dict)  # what this process had written by then
    settled: set[str] = field(default_factory=set)
    mine: set[str] = field(default_factory=set)  # counters this process has counted


class CounterCache:
    def __init__(
        self, store: CounterStore, *, reader: Reader, refresh_seconds: float, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._reader = reader
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()  # the state below; held briefly, never across I/O
        self._io = threading.Lock()  # one write-then-read at a time, whichever event loop asked
        self._seen: dict[str, _Seen] = {}
        self._ours: dict[str, Counts] = {}  # all this process has counted, written or not
        self._written: dict[str, Counts] = {}
        self._pending: dict[str, Counts] = {}
        self._expires: dict[str, int] = {}
        self._wanted: set[str] = set()
        self._upkeep: asyncio.Task[None] | None = None

    def value(self, tenant_id: str, pk: str) -> Counts:
        """The counter as this process knows it: the others' counts as last read, and all of its own."""
        with self._lock:
            seen = self._seen.get(tenant_id)
            read, then = (seen.values.get(pk, {}), seen.ours_then.get(pk, {})) if seen else ({}, {})
            ours = self._ours.get(pk, {})
            return {
                name: read.get(name, 0) - then.get(name, 0) + ours.get(name, 0) for name in {*read, *ours}
            }

    def count(self, tenant_id: str, pk: str, counts: Mapping[str, int], *, expires_at: int) -> None:
        """Add ``counts`` to the counter now; the table gets them at the next :meth:`sync_soon`."""
        with self._lock:
            self._seen.setdefault(tenant_id, _Seen()).mine.add(pk)
            self._expires[pk] = expires_at
            _add(self._ours.setdefault(pk, {}), counts)
            _add(self._pending.setdefault(pk, {}), counts)

    async def ensure(self, tenant_id: str) -> None:
        """Make the tenant's counters fit to decide on: read them now if never read (or not for
        ``MAX_STALE_SECONDS``), else have them read at the next :meth:`sync_soon` if they are due."""
        age = self._age(tenant_id)
        if age is None or age > MAX_STALE_SECONDS:
            await asyncio.to_thread(self._sync, [tenant_id], write=False)
        else:
            self.want(tenant_id)

    def want(self, tenant_id: str) -> None:
        """Have the tenant's counters read at the next :meth:`sync_soon` if they are
        ``refresh_seconds`` old."""
        age = self._age(tenant_id)
        if age is None or age >= self._refresh_seconds:
            with self._lock:
                self._wanted.add(tenant_id)

    def sync_soon(self) -> None:
        """Write what was counted and read what is wanted, in the background, from now on.

        Callers choose the moment: a turn starts it only once its model request is on its way.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # outside any event loop: the next call from one takes it
        with self._lock:
            upkeep = self._upkeep
            if upkeep is not None and not upkeep.done() and not upkeep.get_loop().is_closed():
                return  # it takes what was just added before it stops
            self._upkeep = loop.create_task(self._keep_up())

    def _age(self, tenant_id: str) -> float | None:
        with self._lock:
            seen = self._seen.get(tenant_id)
            read_at = seen.read_at if seen else None
        return None if read_at is None else self._clock() - read_at

    async def idle(self) -> None:
        """Write what was counted (and read what is wanted) now, and return once nothing is left."""
        self.sync_soon()
        while True:
            with self._lock:
                upkeep = self._upkeep
                busy = bool(self._pending or self._wanted) or (upkeep is not None and not upkeep.done())
            if not busy:
                return
            await asyncio.sleep(0.005)  # polled: the upkeep may run on another event loop

    async def _keep_up(self) -> None:
        """Write what was counted and read what is wanted, until there is nothing left to do."""
        pause = self._refresh_seconds
        while True:
            with self._lock:
                wanted = sorted(self._wanted)
                self._wanted.clear()
                if not wanted and not self._pending:
                    self._upkeep = None
                    return
            if await asyncio.to_thread(self._sync, wanted, write=True):
                pause = self._refresh_seconds
            else:  # the table is failing: try again later, less often the longer it lasts
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)

    def _sync(self, tenants: Sequence[str], *, write: bool) -> bool:
        """Write the pending counts (if asked), then read the tenants' counters; False on a failure."""
        with self._io:
            try:
                if write:
                    self._write_pending()
                for tenant_id in tenants:
                    self._read(tenant_id)
            except Exception as exc:
                if not write:
                    raise  # a first read that fails fails its request, as a tenant read would
                expected = isinstance(exc, AgentRuntimeError)  # the table failed; anything else is a bug
                logger.warning("usage counters not synced; retrying", exc_info=not expected)
                return False
            return True

    def _write_pending(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, {}
            expires = {pk: self._expires[pk] for pk in batch}
        for done, (pk, counts) in enumerate(batch.items()):
            try:
                self._store.add(pk, counts, expires_at=expires[pk])
            except BaseException:
                # Not written: back in the queue with the rest (an ADD that landed counts twice).
                with self._lock:
                    for later, later_counts in list(batch.items())[done:]:
                        _add(self._pending.setdefault(later, {}), later_counts)
                raise
            with self._lock:
                _add(self._written.setdefault(pk, {}), counts)

    def _read(self, tenant_id: str) -> None:
        now = self._clock()
        counters = list(self._reader(tenant_id, now))
        with self._lock:
            seen = self._seen.setdefault(tenant_id, _Seen())
            wanted = [c.pk for c in counters if c.pk not in seen.settled]
        values = self._store.read(wanted)
        with self._lock:
            for pk in wanted:
                seen.values[pk] = values[pk]
                seen.ours_then[pk] = dict(self._written.get(pk, {}))
            seen.settled |= {c.pk for c in counters if c.settled}
            seen.read_at = now
            self._forget(seen, live={c.pk for c in counters})

    def _forget(self, seen: _Seen, *, live: set[str]) -> None:
        """Drop what belongs to windows no longer read (and fully written): memory stays bounded."""
        for pk in [pk for pk in seen.values if pk not in live]:
            del seen.values[pk], seen.ours_then[pk]
            seen.settled.discard(pk)
        for pk in [pk for pk in seen.mine if pk not in live and pk not in self._pending]:
            seen.mine.discard(pk)
            for table in (self._ours, self._written, self._expires):
                table.pop(pk, None)


def _add(into: Counts, counts: Mapping[str, int]) -> None:
    for name, value in counts.items():
        into[name] = into.get(name, 0) + value
