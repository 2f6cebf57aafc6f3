"""Which of a tenant's runs a request may see, and which of those it asked for.

A caller sees the runs it started, or, acting for an end user, that end user's; a key with
``audit:read`` or ``admin`` that acts for nobody sees every run of its tenant. The tenant is never
in question here: it is the partition every read is pinned to.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_core.store.records import RunRecord, RunStatus
from agent_core.tenancy import Caller, Owner


@dataclass(frozen=True)
class RunFilter:
    """A listing's view of the tenant's runs: whose (``owner``, or None for all of them) and, if
    asked, of one agent, one session, one status, started from ``since`` (inclusive) until
    ``until`` (exclusive, ISO 8601 UTC as the runs store it)."""

    owner: Owner | None
    agent_id: str | None = None
    session_id: str | None = None
    status: RunStatus | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def seen_by(
        cls,
        caller: Caller,
        *,
        agent_id: str | None = None,
        session_id: str | None = None,
        status: RunStatus | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> RunFilter:
        """What ``caller`` may see, narrowed to what it asked for."""
        return cls(
            owner=None if caller.sees_tenant else caller.owner,
            agent_id=agent_id,
            session_id=session_id,
            status=status,
            since=since,
            until=until,
        )

    def shows(self, run: RunRecord) -> bool:
        """Whether one run (read by its id) is one this view may see."""
        return self.owner is None or owner_of(run) == self.owner

    @property
    def narrows(self) -> bool:
        """Whether some runs of the tenant's listing are left out (beyond the time range)."""
        return any(value is not None for value in (self.owner, self.agent_id, self.session_id, self.status))

    def admits(self, run: RunRecord) -> bool:
        return (
            (self.owner is None or owner_of(run) == self.owner)
            and self.agent_id in (None, run.agent_id)
            and self.session_id in (None, run.session_id)
            and self.status in (None, run.status)
        )


def owner_of(run: RunRecord) -> Owner:
    """Whose ``run`` is (a run stored before end users existed is its caller's)."""
    return Owner(caller_id=run.caller_id, end_user_id=run.end_user_id)
