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
from agent_core.guardrails.scopes import WriteScope
from agent_core.guardrails.write_mode import WriteMode

if TYPE_CHECKING:
    from agent_core.runtime import Runtime


def default_guardrails(runtime: Runtime | None = None) -> Guardrails:
    """The runtime's rules, in the order they are asked. Without a runtime (a test of the loop),
    only the rules that read nothing stored."""
    stored: list[Rule] = [] if runtime is None else [runtime.kill_switch, runtime.anomaly_breaker]
    # WriteScope before WriteMode: a caller who may not write is refused in shadow mode too.
    return Guardrails([*stored, WriteScope(), WriteMode()])


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
    "TurnOpening",
    "WriteMode",
    "WriteScope",
    "default_guardrails",
]
