"""What must hold of a session after any guardrail stopped, paused or cut one of its turns: every
user message stored, every tool call of its runs in the audit trail, no run left running."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_core import RunFilter, Runtime


def assert_session_consistent(runtime: Runtime, tenant_id: str, session_id: str) -> None:
    """Check the stored session and its runs as the table holds them now."""
    now = datetime.now(UTC)
    history = runtime.sessions.load(tenant_id, session_id, now)
    assert history.meta is not None, f"session {session_id} was never stored"
    listed = runtime.runs.list(tenant_id, RunFilter(owner=None), limit=100, cursor=None).items
    runs = [run for run in listed if run.session_id == session_id]
    assert runs, "the session has runs"
    assert [run.status for run in runs if run.status == "running"] == [], "a run was left running"
    turns_with_a_user_message = [turn for turn in history.turns if turn and turn[0].role == "user"]
    assert len(turns_with_a_user_message) == len(history.turns) == len(runs), (
        "every turn starts with its user's message, and every run has its turn"
    )
    for run in runs:
        audited = {
            entry.call_id
            for entry in runtime.audit.list_for_agent(tenant_id, run.agent_id, limit=100, cursor=None).items
            if entry.run_id == run.run_id
        }
        made = {step.call_id for step in run.steps} | ({run.awaiting.call_id} if run.awaiting else set())
        assert made <= audited, f"calls of {run.run_id} without an audit entry: {made - audited}"
