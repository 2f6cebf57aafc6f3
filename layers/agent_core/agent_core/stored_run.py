"""What a run read back from the table answers in place of a running :class:`Turn`: its ids, its
record, and a client that leaves stopping nothing (the run does not belong to this request)."""

from __future__ import annotations

from agent_core.store.records import RunRecord


class StoredRun:
    """A run this request reads rather than runs (a replay, a follow)."""

    def __init__(self, run: RunRecord, *, final: RunRecord | None = None) -> None:
        self.run = run
        self.final = final

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def session_id(self) -> str:
        return self.run.session_id

    def client_left(self) -> None:
        """Nothing this request runs goes on without its client: there is nothing to stop."""
