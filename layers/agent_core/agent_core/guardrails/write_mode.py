"""Shadow mode: a write runs only where the tenant (or this agent of it) has turned writes live."""

from __future__ import annotations

from agent_core.guardrails.decision import SHADOW, Decision, ProposedCall


class WriteMode:
    async def check(self, call: ProposedCall) -> Decision | None:
        if call.tool.read_only:
            return None
        ctx = call.ctx
        return SHADOW if ctx.tenant.write_mode(ctx.agent_id) == "shadow" else None
