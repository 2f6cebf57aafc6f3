"""What a command works with: the console, the resolved target, and the stores on it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from agent_core.runtime import Runtime
from agent_core.secrets import Secrets
from agent_core.settings import Settings
from agent_core.store.api_keys import ApiKeyStore
from agent_core.store.switches import SwitchStore
from agent_core.store.tenants import TenantStore
from agent_core.tenancy import Tenant
from agentctl.console import Console
from agentctl.errors import CommandError
from agentctl.hints import suggest
from agentctl.target import Target, resolve_target


class Context:
    """Built once per command; nothing touches AWS until a command asks for a store."""

    def __init__(
        self,
        options: argparse.Namespace,
        console: Console,
        environ: Mapping[str, str],
        cwd: Path,
        *,
        prog: str = "agentctl",
    ) -> None:
        self.options = options
        self.console = console
        self.prog = prog
        self._environ = environ
        self._cwd = cwd

    def suggest(self, command: str) -> str:
        """``command`` as a full command line on this target, for the operator to paste."""
        return suggest(self.prog, self.options, command)

    @cached_property
    def target(self) -> Target:
        return resolve_target(self.options, self._environ, self._cwd)

    @cached_property
    def runtime(self) -> Runtime:
        """The functions' own runtime on the target: the same stores, built with the same AWS clients.

        Its caches are off: an operator reads what is stored now, not what they read a moment ago.
        """
        target = self.target
        settings = Settings(
            table_name=target.table_name,
            region=target.region,
            secrets_prefix=target.secrets_prefix,
            tenant_cache_seconds=0,
            secret_cache_seconds=0,
        )
        return Runtime(settings, aws=target.aws)

    @property
    def tenants(self) -> TenantStore:
        return self.runtime.tenants

    @property
    def api_keys(self) -> ApiKeyStore:
        return self.runtime.api_keys

    @property
    def secrets(self) -> Secrets:
        return self.runtime.secrets

    @property
    def switches(self) -> SwitchStore:
        return self.runtime.switches

    def tenant(self, tenant_id: str) -> Tenant:
        """The tenant, or a one-line error naming the table it is missing from."""
        found = self.tenants.get(tenant_id)
        if found is None:
            raise CommandError(f"no tenant {tenant_id} in {self.target.where()}")
        return found

    def resolved_target(self) -> Target | None:
        """The target if a command got as far as resolving it (for error messages)."""
        resolved = self.__dict__.get("target")
        return resolved if isinstance(resolved, Target) else None
