"""The one place asked before a tool runs (run it, shadow it, have it confirmed, or refuse it with
a reason) and before each model call. Every rule about whether a call may have its effect lives
here, never in the loop; each is a small module of its own, asked in order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_core.guardrails.core import BeforeModel, BeforeTurn, Guardrails, Rule, Settles
from agent_core.guardrails.decision import (
    CONFIRM,
    RUN,
    SHADOW,
    Confirm,
    Decision,
    ProposedCall,
    Refuse,
    Rejection,
    Run,
    Shadow,
    TurnOpening,
)
from agent_core.guardrails.rate_limit import ToolRateLimit
from agent_core.guardrails.scopes import WriteScope
from agent_core.guardrails.write_mode import WriteMode

if TYPE_CHECKING:
    from agent_core.runtime import Runtime


def default_guardrails(runtime: Runtime | None = None) -> Guardrails:
    """The runtime's rules, in the order they are asked. Without a runtime (a test of the loop),
    only the rules that read nothing stored."""
    if runtime is None:
        return Guardrails([WriteScope(), WriteMode()])
    # The switches first (a tenant switched off is neither counted nor limited); WriteScope before
    # the rate limit (a refused caller spends none of it) and before WriteMode (a caller who may
    # not write is refused in shadow mode too); the rate limit before WriteMode, so a shadowed or
    # confirmed write counts as a call.
    switches: list[Rule] = [runtime.kill_switch, runtime.anomaly_breaker]
    return Guardrails([*switches, WriteScope(), ToolRateLimit(runtime.limits), WriteMode()])


__all__ = [
    "CONFIRM",
    "RUN",
    "SHADOW",
    "BeforeModel",
    "BeforeTurn",
    "Confirm",
    "Decision",
    "Guardrails",
    "ProposedCall",
    "Refuse",
    "Rejection",
    "Rule",
    "Run",
    "Settles",
    "Shadow",
    "ToolRateLimit",
    "TurnOpening",
    "WriteMode",
    "WriteScope",
    "default_guardrails",
]
