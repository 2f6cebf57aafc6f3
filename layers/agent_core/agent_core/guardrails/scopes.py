"""Scopes: a write runs only for a caller whose API key has ``chat:write``.

Shadow mode included: a shadowed write does not run, but it tells the user what *would* happen,
and for a caller who may not write the truthful answer is that it would be refused. So such a call
is refused in shadow mode too, and turning a tenant's writes live changes nothing for that caller.
"""

from __future__ import annotations

from agent_core.guardrails.decision import Decision, ProposedCall, Refuse


class WriteScope:
    async def check(self, call: ProposedCall) -> Decision | None:
        if call.tool.read_only or call.ctx.caller.may("chat:write"):
            return None
        return Refuse(refusal(call.tool.name), "scope")


def refusal(tool: str) -> str:
    """What the model reads when a caller without ``chat:write`` asks for a write."""
    return (
        f"NOT ALLOWED: {tool} changes data, and the user's API key may only read (it lacks the "
        "chat:write scope). Nothing was run or changed. Do not try this or another write again in "
        "this conversation; tell the user that they cannot make this change here and that an "
        "administrator can grant their key write access."
    )
