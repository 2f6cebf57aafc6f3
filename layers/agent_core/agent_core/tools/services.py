"""What tools share across the runs of a process: the HTTP client, the web rules, Odoo's uids."""

from __future__ import annotations

import asyncio
import threading
import weakref
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
    # Keyed by the loop itself, not its id: a closed loop's id can be reused by a new loop, which
    # must not be handed a client whose connections belong to the dead one. Gone with its loop.
    _clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = field(
        default_factory=weakref.WeakKeyDictionary, init=False, repr=False
    )
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def http(self) -> httpx.AsyncClient:
        """A pooled client for tenant systems (keep-alive across turns of a warm process).

        One per event loop: a client's connections belong to the loop that opened them.
        """
        loop = asyncio.get_running_loop()
        with self._clients_lock:  # runs on other loops (threads) of the process share the services
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
