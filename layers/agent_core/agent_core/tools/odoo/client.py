"""An async Odoo JSON-RPC client for one tenant, and :func:`odoo` that builds it from the run context."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx

from agent_core.errors import ToolError
from agent_core.tools.context import RunContext
from agent_core.tools.odoo.capabilities import OdooCapabilities
from agent_core.tools.odoo.connection import OdooConnection, connection_for
from agent_core.tools.odoo.failures import (
    ACCESS_ERROR,
    MISSING_MODEL,
    CredentialsRefused,
    bad_shape,
    from_odoo,
    refused,
)
from agent_core.tools.odoo.records import BadShape, checked, fields_of, records
from agent_core.tools.odoo.transport import post
from agent_core.tools.odoo.uids import OdooUids
from agent_core.tools.odoo.values import Domain

_ids = itertools.count(1)


async def odoo(ctx: RunContext) -> OdooClient:
    """The tenant's Odoo, with the tenant's credentials, over the process's shared HTTP client.

    The client is cheap and built per call (the HTTP pool belongs to the event loop); the uid it
    logs in as is cached per process, keyed by server, database, login and a hash of the key.
    """
    connection, services = await connection_for(ctx), ctx.services
    return OdooClient(services.http, connection, services.odoo_uids, services.odoo_capabilities)


class OdooClient:
    """``common.authenticate`` and ``object.execute_kw``, with thin helpers for the read methods.

    Every failure is a :class:`ToolError` whose text the model can act on; a cached uid that Odoo
    refuses (the user was re-created, the database restored) is dropped and the login tried once more.
    The read helpers check each answer against the record type the tool declares (see ``records``),
    so an answer of another shape is such an error too, never a crash in the tool.

    Every ``execute_kw`` sends the binding's ``context`` (companies, ``lang``, ``tz``) merged
    under the call's own. A missing model or an ``AccessError`` also drops what is known of the
    binding's capabilities, so the next turn probes them again. The HTTP rules (redirects, retries
    of 429 and 503) are ``transport``'s.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        connection: OdooConnection,
        uids: OdooUids,
        capabilities: OdooCapabilities | None = None,
    ) -> None:
        self.http = http
        self.connection = connection
        self.uids = uids
        self.capabilities = capabilities

    @property
    def companies(self) -> tuple[int, ...]:
        """The companies every call is made for (``allowed_company_ids``, the current one first);
        empty when the binding names none (Odoo then answers for all of the user's companies)."""
        return self.connection.companies

    async def version(self) -> dict[str, Any]:
        """``common.version``: the server's version, asked without logging in."""
        answer = await self._call("common", "version", [])
        if not isinstance(answer, dict):
            raise bad_shape(self.connection, "common.version", "result: should be an object")
        return answer

    async def can_read(self, model: str, major: int | None = None) -> bool:
        """Whether the user may read ``model``, asked as Odoo ``major`` asks it: ``has_access('read')``
        on an empty recordset from 18.0 on (odoo/models.py 18.0; saas~19.1 removes the older method,
        odoo/odoo#226551), ``check_access_rights('read', raise_exception=False)`` before (16.0-17.0).
        A model the database lacks raises the missing-model :class:`ToolError`."""
        if major is not None and major >= 18:
            method, answer = "has_access", await self.execute_kw(model, "has_access", [[], "read"])
        else:
            method = "check_access_rights"
            answer = await self.execute_kw(model, method, ["read"], {"raise_exception": False})
        if not isinstance(answer, bool):
            raise bad_shape(self.connection, f"{model}.{method}", "result: should be a boolean")
        return answer

    async def authenticate(self) -> int:
        """Log in with the API key; the uid is cached for this connection."""
        c = self.connection
        answer = await self._call("common", "authenticate", [c.db, c.login, c.api_key, {}])
        if answer is False:  # Odoo's answer to a wrong login or key
            self.uids.forget(c.cache_key)
            raise refused(c)
        if not isinstance(answer, int) or isinstance(answer, bool) or answer <= 0:
            raise bad_shape(c, "common.authenticate", "result: should be a user id or false")
        self.uids.put(c.cache_key, answer)
        return answer

    async def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None
    ) -> Any:
        """Call ``model.method(*args, **kwargs)`` as the tenant's user, in the binding's context."""
        c = self.connection
        cached = self.uids.get(c.cache_key)
        uid = cached if cached is not None else await self.authenticate()
        kwargs = dict(kwargs or {})
        kwargs["context"] = {**c.context, **(kwargs.get("context") or {})}
        call = [model, method, args, kwargs]
        try:
            try:
                return await self._call("object", "execute_kw", [c.db, uid, c.api_key, *call])
            except CredentialsRefused:
                if cached is None:
                    raise  # a uid Odoo has just given out is refused: logging in again will not help
                self.uids.forget(c.cache_key)
                uid = await self.authenticate()
                return await self._call("object", "execute_kw", [c.db, uid, c.api_key, *call])
        except ToolError as exc:
            if exc.code in (MISSING_MODEL, ACCESS_ERROR) and self.capabilities is not None:
                self.capabilities.forget(c.cache_key)  # what the probe said no longer holds
            raise

    async def search_read[R](
        self,
        model: str,
        domain: Domain,
        record: type[R],
        *,
        order: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        context: dict[str, Any] | None = None,
    ) -> list[R]:
        """Records matching ``domain``, in ``order``, paged; with the fields ``record`` declares."""
        kwargs: dict[str, Any] = {"fields": fields_of(record), "offset": offset}
        if order:
            kwargs["order"] = order
        if limit:
            kwargs["limit"] = limit
        if context:
            kwargs["context"] = context
        answer = await self.execute_kw(model, "search_read", [domain], kwargs)
        return self._shaped(f"{model}.search_read", lambda: records(record, answer))

    async def search_count(self, model: str, domain: Domain, *, context: dict[str, Any] | None = None) -> int:
        """How many records match ``domain``."""
        kwargs = {"context": context} if context else {}
        answer = await self.execute_kw(model, "search_count", [domain], kwargs)
        return self._shaped(f"{model}.search_count", lambda: checked(int, answer))

    async def read_group[G](
        self,
        model: str,
        domain: Domain,
        fields: list[str],
        groupby: list[str],
        group: type[G],
        *,
        orderby: str | None = None,
        limit: int | None = None,
        lazy: bool = True,
        context: dict[str, Any] | None = None,
    ) -> list[G]:
        """Odoo's ``read_group``: one ``group`` per group, with ``<field>_count`` or ``__count``.

        Each group must hold what it was grouped by (the first of ``groupby`` when ``lazy``), even
        where ``group`` cannot name it (a date granularity chosen at run time).
        """
        kwargs: dict[str, Any] = {"lazy": lazy}
        if orderby:
            kwargs["orderby"] = orderby
        if limit:
            kwargs["limit"] = limit
        if context:
            kwargs["context"] = context
        answer = await self.execute_kw(model, "read_group", [domain, fields, groupby], kwargs)
        groups = self._shaped(f"{model}.read_group", lambda: records(group, answer))
        for index, raw in enumerate(answer):
            for key in groupby[:1] if lazy else groupby:
                if key not in raw:
                    raise bad_shape(self.connection, f"{model}.read_group", f"result[{index}].{key}: missing")
        return groups

    async def read[R](self, model: str, ids: list[int], record: type[R]) -> list[R]:
        """The records ``ids``, with the fields ``record`` declares."""
        answer = await self.execute_kw(model, "read", [ids], {"fields": fields_of(record)})
        found = self._shaped(f"{model}.read", lambda: records(record, answer))
        for index, raw in enumerate(answer):
            if raw.get("id") not in ids:
                raise bad_shape(self.connection, f"{model}.read", f"result[{index}].id: not one asked for")
        return found

    def _shaped[T](self, what: str, check: Callable[[], T]) -> T:
        try:
            return check()
        except BadShape as exc:
            raise bad_shape(self.connection, what, exc.where) from None

    async def _call(self, service: str, method: str, args: list[Any]) -> Any:
        c = self.connection
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
            "id": next(_ids),
        }
        response = await post(self.http, c, payload)
        try:
            body = response.json()
        except (ValueError, RecursionError):  # not JSON, or JSON nested deeper than Python parses
            body = None
        if not isinstance(body, dict) or ("result" not in body and "error" not in body):
            raise ToolError(
                f"{c.where} did not answer as Odoo's JSON-RPC does; the workspace's Odoo URL may point "
                "somewhere else (an operator can fix it)",
                code="odoo_bad_response",
            )
        if "error" in body:
            raise from_odoo(body["error"], c)
        return body["result"]
