"""What a tool knows about the run it serves: the caller and the tenant, never from arguments."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_core.tenancy import Caller, Tenant
from agent_core.tools.services import ToolServices


@dataclass(frozen=True)
class RunContext:
    """Handed to every tool as its first argument.

    The tenant is fixed by the API key that started the run; no tool schema has a tenant id,
    so no prompt can steer a tool to another tenant's data.
    """

    caller: Caller
    tenant: Tenant
    run_id: str
    session_id: str
    agent_id: str
    load_tenant_secret: Callable[[], dict[str, Any]]
    services: ToolServices
    call_id: str = ""  # the call being served, while a tool runs

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of one call, and for no other call: a write sends it to the
        tenant's system where that accepts one (an ``Idempotency-Key`` header), so a retry of the
        call never makes its change twice."""
        return f"{self.run_id}.{self.call_id}" if self.call_id else ""

    async def secret(self) -> dict[str, Any]:
        """The tenant's own credentials, read off the event loop."""
        return await asyncio.to_thread(self.load_tenant_secret)
