"""What tools share across the runs of a process: the HTTP client, the web rules, Odoo's uids."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING

import httpx

from agent_core.settings import Settings

# Types only: the web and Odoo packages import their tools, and the tools import this module.
if TYPE_CHECKING:
    from agent_core.tools.odoo.capabilities import OdooCapabilities
    from agent_core.tools.odoo.uids import OdooUids
    from agent_core.tools.web.rules import WebRules

USER_AGENT = "agent-runtime/0.1 (+https://github.com/agent-runtime)"


@dataclass(frozen=True)
class ToolServices:
    """Shared by every run of a process; the runtime builds it once (tests, with other rules).

    Per-tenant clients (the tenant's Odoo, its project API) are built from the run context, which
    carries the tenant and its secret. The uids are keyed by server, database, login and a hash of
    the key, so one tenant's login is never another's.
    """

    settings: Settings
    web_rules: WebRules
    odoo_uids: OdooUids
    # What each Odoo binding offers (version, installed and readable models), probed once in a while.
    odoo_capabilities: OdooCapabilities = field(default_factory=lambda: _capabilities())
    _clients: dict[int, httpx.AsyncClient] = field(default_factory=dict, init=False, repr=False)

    @property
    def http(self) -> httpx.AsyncClient:
        """A pooled client for tenant systems (keep-alive across turns of a warm process).

        One per event loop: a client's connections belong to the loop that opened them.
        """
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.http_timeout_seconds, connect=5.0),
                headers={"User-Agent": USER_AGENT},
                follow_redirects=False,
                # One client serves every tenant: never keep a cookie one tenant's system set.
                cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            )
        return client


def _capabilities() -> OdooCapabilities:
    from agent_core.tools.odoo.capabilities import OdooCapabilities

    return OdooCapabilities()
