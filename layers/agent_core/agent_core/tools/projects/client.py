"""The tenant's project API (the SaaS's own REST API), reached with the tenant's bearer token.

The tenant record binds the API's base URL (``projects_url``); the token is ``projects_token``
in the tenant's secret. Every failure becomes a :class:`ToolError` the model can read and pass
on; the token never appears in one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from agent_core.errors import ToolError
from agent_core.tools.context import RunContext

TOKEN_KEY = "projects_token"  # noqa: S105  (the name of the secret's field, not a secret)
_DETAIL_CHARS = 300
# The API said yes to a change, but its answer cannot be read: a retry could make the change twice.
MAYBE_WRITTEN = "; the change may have been made all the same: check with list_tasks before trying again"


async def projects_api(ctx: RunContext) -> ProjectsApi:
    """The project API bound to the run's tenant, with that tenant's token."""
    url = ctx.tenant.projects_url
    if url is None:
        raise ToolError(
            "no project API is bound to this workspace; an operator can bind one with "
            f"`agentctl tenant update {ctx.tenant.tenant_id} --projects-url …`"
        )
    token = (await ctx.secret()).get(TOKEN_KEY)
    if not isinstance(token, str) or not token.strip():
        raise ToolError(
            f"this workspace's secret has no {TOKEN_KEY} for its project API; an operator can add it "
            f"with `agentctl secret set {ctx.tenant.tenant_id}`"
        )
    return ProjectsApi(
        ctx.services.http,
        str(url),
        token.strip(),
        ctx.services.settings.http_timeout_seconds,
        renew_hint=f"`agentctl secret set {ctx.tenant.tenant_id}`",
    )


def segment(value: str) -> str:
    """``value`` as one URL path segment (the tools' id patterns already refuse ``/`` and ``..``)."""
    return quote(value, safe="")


class ProjectsApi:
    def __init__(
        self, http: httpx.AsyncClient, base_url: str, token: str, timeout_seconds: float, *, renew_hint: str
    ) -> None:
        self._http = http
        self._renew_hint = renew_hint
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout_seconds
        address = httpx.URL(self._base)
        self.where = f"{address.host}:{address.port}" if address.port else address.host

    async def get(self, path: str, *, params: dict[str, str] | None = None, missing: str = "") -> Any:
        """GET ``<base>/api/<path>``; ``missing`` is what the model reads on a 404."""
        return await self._send("GET", path, params=params, missing=missing)

    async def post(
        self, path: str, body: dict[str, Any], *, idempotency_key: str = "", missing: str = ""
    ) -> Any:
        """POST JSON to ``<base>/api/<path>``; ``missing`` is what the model reads on a 404.

        The API makes a change once per ``idempotency_key``: a repeat gets the first answer."""
        extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return await self._send("POST", path, body=body, missing=missing, headers=extra)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        missing: str,
        headers: dict[str, str] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json", **(headers or {})}
        try:
            response = await self._http.request(
                method, f"{self._base}/api/{path}", params=params, json=body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise ToolError(
                f"the project API at {self.where} did not answer within {self._timeout:.3g} s; "
                "try again later"
            ) from exc
        except httpx.HTTPError as exc:
            raise ToolError(
                f"the project API at {self.where} is unreachable; try again later, "
                "or ask an operator to check the workspace's projects URL"
            ) from exc
        if response.is_success:
            try:
                return response.json()
            except (ValueError, RecursionError) as exc:  # not JSON, or nested deeper than Python parses
                message = "the project API sent a response that is not JSON"
                raise ToolError(message + (MAYBE_WRITTEN if method == "POST" else "")) from exc
        raise self._failure(response, missing)

    def _failure(self, response: httpx.Response, missing: str) -> ToolError:
        status = response.status_code
        if status in (401, 403):
            return ToolError(
                f"the project API refused this workspace's token (HTTP {status}); "
                f"an operator can renew {TOKEN_KEY} with {self._renew_hint}"
            )
        if status == 404:
            return ToolError(missing or f"the project API has no {response.request.url.path}")
        if status in (400, 409, 422):
            return ToolError(f"the project API refused the request: {self._detail(response)}")
        if status == 429:
            return ToolError("the project API is rate limiting this workspace; try again in a minute")
        return ToolError(f"the project API failed (HTTP {status}); try again later")

    def _detail(self, response: httpx.Response) -> str:
        """The API's own explanation: ``error.message``, ``detail``, or the start of the body."""
        try:
            payload = response.json()
        except (ValueError, RecursionError):
            payload = None
        detail: Any = response.text
        if isinstance(payload, dict):
            error = payload.get("error")
            detail = error.get("message") if isinstance(error, dict) else payload.get("detail", detail)
        text = str(detail or f"HTTP {response.status_code}")[:_DETAIL_CHARS]
        return text.replace(self._token, "[REDACTED]")
