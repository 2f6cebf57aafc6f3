"""Where a tenant's Odoo lives and how to log in: its binding, and its credentials from the secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import httpx

from agent_core.errors import ToolError
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.uids import UidKey

NOT_BOUND = (
    "this workspace has no Odoo connected; an operator can bind one with "
    "`agentctl tenant update <tenant> --odoo-url … --odoo-db …`"
)
NO_CREDENTIALS = (
    "this workspace's Odoo connection has no credentials: an operator must store `odoo_login` and "
    "`odoo_api_key` with `agentctl secret set <tenant>`. Retrying will not help until then."
)


@dataclass(frozen=True)
class OdooConnection:
    """One Odoo database and the user the tenant reaches it as. ``repr`` hides the API key."""

    url: str
    db: str
    login: str
    api_key: str = field(repr=False)

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/jsonrpc"

    @property
    def where(self) -> str:
        """The server as error messages name it: host and port, never a user or password in the URL."""
        url = httpx.URL(self.url)
        return f"{url.host}:{url.port}" if url.port else url.host

    @property
    def cache_key(self) -> UidKey:
        """Changes with the server, the database, the login or the key: a rotated key logs in anew."""
        digest = hashlib.sha256(self.api_key.encode()).hexdigest()[:16]
        return (self.url, self.db, self.login, digest)

    def scrub(self, text: str) -> str:
        """``text`` without the login or the key, should a server echo them."""
        for secret in (self.api_key, self.login):
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text


async def connection_for(ctx: RunContext) -> OdooConnection:
    """The tenant's Odoo: the binding from its record, the credentials from its secret."""
    binding = ctx.tenant.odoo
    if binding is None:
        raise ToolError(NOT_BOUND, code="odoo_not_connected")
    secret = await ctx.secret()
    login, api_key = secret.get("odoo_login"), secret.get("odoo_api_key")
    if not isinstance(login, str) or not login or not isinstance(api_key, str) or not api_key:
        raise ToolError(NO_CREDENTIALS, code="odoo_credentials_missing")
    return OdooConnection(url=str(binding.url), db=binding.db, login=login, api_key=api_key)
