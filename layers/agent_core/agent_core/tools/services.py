"""What tools reach the outside world with: one HTTP client per event loop, and the settings."""

from __future__ import annotations

import asyncio
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from agent_core.settings import Settings

USER_AGENT = "agent-runtime/0.1 (+https://github.com/agent-runtime)"


class ToolServices:
    """Shared by every run of a process; holds no tenant data itself.

    Per-tenant clients (the tenant's Odoo, its project API) are built from the run context,
    which carries the tenant and its secret.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[int, httpx.AsyncClient] = {}
        self.cache: dict[object, object] = {}

    @property
    def http(self) -> httpx.AsyncClient:
        """A pooled client for tenant systems (keep-alive across turns of a warm process)."""
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
