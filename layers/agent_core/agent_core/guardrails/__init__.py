"""The one place asked before a tool runs (run it, shadow it, have it confirmed, or refuse it with
a reason) and before each model call. Every rule about whether a call may have its effect lives
here, never in the loop; each is a small module of its own, asked in order."""

from agent_core.guardrails.core import BeforeModel, Guardrails, Rule
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
)
from agent_core.guardrails.scopes import WriteScope
from agent_core.guardrails.write_mode import WriteMode


def default_guardrails() -> Guardrails:
    """The runtime's rules, in the order they are asked."""
    return Guardrails(
        [
            WriteScope(),  # before WriteMode: a caller who may not write is refused in shadow mode too
            WriteMode(),
        ]
    )


__all__ = [
    "CONFIRM",
    "RUN",
    "SHADOW",
    "BeforeModel",
    "Confirm",
    "Decision",
    "Guardrails",
    "ProposedCall",
    "Refuse",
    "Rejection",
    "Rule",
    "Run",
    "Shadow",
    "WriteMode",
    "WriteScope",
    "default_guardrails",
]
