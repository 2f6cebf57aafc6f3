"""The demo ERP for tests: one server per session, its seeded data, and run contexts bound to it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

from agent_core import Caller, OdooBinding, RunContext, Tenant, Tool, ToolServices
from local.erp import DEFAULT_SEED, Dataset, credentials, dataset

# The day the demo data is anchored to; the tools read "today" from the clock (UTC) as well.
TODAY = datetime.now(UTC).date()
NAMES = {"acme": "Acme Corporation", "globex": "Globex Corporation"}


@cache
def seeded(db: str, seed: int = DEFAULT_SEED) -> Dataset:
    """The records the demo ERP serves for ``db``: what tests compute their expected values from."""
    return dataset(db, seed, TODAY)


def odoo_tenant(tenant_id: str, url: str | None, db: str | None = None) -> Tenant:
    """A tenant bound to ``db`` (default: its own id) on the ERP at ``url``, or to no Odoo at all."""
    binding = OdooBinding.model_validate({"url": url, "db": db or tenant_id}) if url else None
    return Tenant(
        tenant_id=tenant_id,
        name=NAMES.get(tenant_id, tenant_id),
        enabled_agents=("general", "finance", "warehouse", "marketing", "sales"),
        odoo=binding,
    )


def odoo_secret(db: str) -> dict[str, str]:
    login, key = credentials(db)
    return {"odoo_login": login, "odoo_api_key": key}


def run_context(tenant: Tenant, secret: dict[str, Any], services: ToolServices) -> RunContext:
    return RunContext(
        caller=Caller(tenant_id=tenant.tenant_id, caller_id=f"{tenant.tenant_id}-user", key_id="key_1"),
        tenant=tenant,
        run_id="run_1",
        session_id="ses_1",
        agent_id="finance",
        load_tenant_secret=lambda: dict(secret),
        services=services,
    )


def bound(db: str, url: str, services: ToolServices) -> RunContext:
    """A run of tenant ``db`` whose Odoo is database ``db`` at ``url``, with the right credentials."""
    return run_context(odoo_tenant(db, url), odoo_secret(db), services)


async def invoke(tool: Tool, ctx: RunContext, **arguments: Any) -> Any:
    """What the model reads back from ``tool``, parsed."""
    return json.loads(await tool.invoke(ctx, arguments))


@contextmanager
def silent_port() -> Iterator[str]:
    """A URL whose server accepts connections and never answers (a hung ERP)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def closed_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
