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
from agent_core.guardrails.rate_limit import ToolRateLimit
from agent_core.guardrails.write_mode import WriteMode
from agent_core.limits import UsageLimits


def default_guardrails(*, limits: UsageLimits | None = None) -> Guardrails:
    """The runtime's rules, in the order they are asked (``limits``: the process's, if any)."""
    return Guardrails([WriteMode(), *([ToolRateLimit(limits)] if limits else [])])


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
    "ToolRateLimit",
    "WriteMode",
    "default_guardrails",
]
