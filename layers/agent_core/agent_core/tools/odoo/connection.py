"""Where a tenant's Odoo lives and how to log in: its binding, and its credentials from the secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from agent_core.errors import ToolError
from agent_core.tenancy import OdooBinding, insecure_url
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
    """One Odoo database and the user the tenant reaches it as, with the companies, language and
    time zone every call is made in. ``repr`` hides the API key."""

    url: str
    db: str
    login: str
    api_key: str = field(repr=False)
    companies: tuple[int, ...] = ()
    lang: str | None = None
    tz: str | None = None

    @property
    def context(self) -> dict[str, Any]:
        """Odoo's ``context`` for every call: ``allowed_company_ids`` (the first is the current
        company), ``lang`` and ``tz``; what the binding leaves unset is left to the Odoo user's own."""
        context: dict[str, Any] = {}
        if self.companies:
            context["allowed_company_ids"] = list(self.companies)
        if self.lang:
            context["lang"] = self.lang
        if self.tz:
            context["tz"] = self.tz
        return context

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
    return connection_of(checked_binding(binding), await ctx.secret())  # checked before the secret is read


def checked_binding(binding: OdooBinding) -> OdooBinding:
    """The binding, unless its URL would send the key in clear (a record stored before the rule, or
    written around ``agentctl``): then a :class:`ToolError`, and nothing is sent."""
    if problem := insecure_url(binding.url):
        raise ToolError(
            f"this workspace's Odoo connection is refused: {problem}. An operator can fix it with "
            "`agentctl tenant update <tenant> --odoo-url https://…`. Retrying will not help.",
            code="odoo_insecure_url",
        )
    return binding


def connection_of(binding: OdooBinding, secret: dict[str, Any]) -> OdooConnection:
    """The connection a binding (already :func:`checked_binding`) and the tenant's secret describe."""
    login, api_key = secret.get("odoo_login"), secret.get("odoo_api_key")
    if not isinstance(login, str) or not login or not isinstance(api_key, str) or not api_key:
        raise ToolError(NO_CREDENTIALS, code="odoo_credentials_missing")
    return OdooConnection(
        url=str(binding.url),
        db=binding.db,
        login=login,
        api_key=api_key,
        companies=binding.companies,
        lang=binding.lang,
        tz=binding.tz,
    )
