"""Calls per second of each tool, per tenant: a call over the limit does not run, and the model
reads a ``rate_limited`` result saying how long to wait before calling that tool again."""

from __future__ import annotations

import json

from agent_core.guardrails.decision import Decision, ProposedCall, Refuse
from agent_core.limits import UsageLimits


class ToolRateLimit:
    def __init__(self, limits: UsageLimits) -> None:
        self.limits = limits

    async def check(self, call: ProposedCall) -> Decision | None:
        tenant, tool = call.ctx.tenant, call.tool.name
        wait = self.limits.tool_call(tenant, tool)
        if wait is None:
            return None
        limit = tenant.limits.tool_rate(tool)
        reason = {
            "error": "rate_limited",
            "retry_after": wait,
            "message": f"{tool} may be called {limit} times a second here, and that is used up; "
            f"wait {wait} s before calling it again, or go on without it.",
        }
        return Refuse(json.dumps(reason), "rate_limit")
