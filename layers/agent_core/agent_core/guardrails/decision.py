"""What the guardrails can decide about one tool call, and why a call was stopped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_core.store.records import Rejected
from agent_core.tenancy import Caller, Tenant
from agent_core.tools.base import Tool
from agent_core.tools.context import RunContext

Rejection = Rejected  # why a call did not run as asked: audited with the call, counted in metrics


@dataclass(frozen=True)
class ProposedCall:
    """A tool call the model asked for, before anything of it has happened."""

    tool: Tool
    arguments: dict[str, Any]
    ctx: RunContext


@dataclass(frozen=True)
class TurnOpening:
    """A turn about to start: who asks which agent of which tenant (nothing stored yet)."""

    caller: Caller
    tenant: Tenant
    agent_id: str


@dataclass(frozen=True)
class Run:
    """The call runs for real."""


@dataclass(frozen=True)
class Shadow:
    """A write that does not run: it is rehearsed, and the model reads what would have happened."""


@dataclass(frozen=True)
class Confirm:
    """A write that waits for a person with the right to approve it: the run pauses here."""


@dataclass(frozen=True)
class Refuse:
    """The call does not run; the model reads ``reason`` as the tool's error."""

    reason: str
    kind: Rejection


Decision = Run | Shadow | Confirm | Refuse
RUN, SHADOW, CONFIRM = Run(), Shadow(), Confirm()
