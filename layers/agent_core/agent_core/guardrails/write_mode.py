"""Write modes: a write runs only where the tenant (or this agent of it) has turned writes live;
under ``confirm`` it waits for a person's approval, under ``shadow`` it does not run at all."""

from __future__ import annotations

from agent_core.guardrails.decision import CONFIRM, SHADOW, Decision, ProposedCall


class WriteMode:
    async def check(self, call: ProposedCall) -> Decision | None:
        if call.tool.read_only:
            return None
        ctx = call.ctx
        mode = ctx.tenant.write_mode(ctx.agent_id)
        return SHADOW if mode == "shadow" else CONFIRM if mode == "confirm" else None
