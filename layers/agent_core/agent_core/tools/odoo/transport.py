"""One JSON-RPC POST to a tenant's Odoo, with the HTTP rules a hosted Odoo needs.

- A redirect (301, 302, 307, 308) to the same host over https is followed, and the POST stays a
  POST with its body. A reverse proxy in front of Odoo answers the external API with a 301 for a
  moved address (http to https, a renamed host: odoo/odoo#4244 is such a report); httpx, like a
  browser, would turn the POST into a GET on 301 and 302, which never reaches ``/jsonrpc``. A 303
  ("see other": fetch with GET) is not followed: its page is not JSON-RPC, and is told as such.
  A redirect to another host or to plain http is refused, before anything is sent there: the API
  key is in the body.
- 429 and 503 (a proxy's rate limit, a worker busy or restarting) are retried with backoff,
  honouring ``Retry-After`` (seconds or an HTTP date), within the tool call's time left
  (:func:`agent_core.timeouts.call_time_left`); a wait longer than that is told at once.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from agent_core.errors import ToolError
from agent_core.tenancy import insecure_url
from agent_core.timeouts import call_time_left
from agent_core.tools.odoo.connection import OdooConnection

REDIRECTS = frozenset({301, 302, 307, 308})
MAX_REDIRECTS = 3
RETRIED = frozenset({429, 503})
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (0.5, 1.0, 2.0)  # before the 2nd, 3rd and 4th attempt, unless Retry-After says
MAX_RETRY_AFTER = 30.0  # the longest one wait may be, whatever the server asks
MARGIN_SECONDS = 0.5  # left after a wait for the retried request itself


async def post(
    http: httpx.AsyncClient, connection: OdooConnection, payload: dict[str, Any]
) -> httpx.Response:
    """POST ``payload`` to the connection's endpoint: the final answer, or a :class:`ToolError`."""
    url = httpx.URL(connection.endpoint)
    redirects = attempts = 0
    while True:
        response = await _send(http, connection, url, payload)
        if response.status_code in REDIRECTS:
            redirects += 1
            url = _redirected(connection, url, response, redirects)
            continue
        if response.status_code in RETRIED:
            attempts += 1
            await asyncio.sleep(_wait(connection, response, attempts))
            continue
        if response.status_code >= 400:
            raise ToolError(
                f"the Odoo server at {connection.where} answered HTTP {response.status_code}; try again "
                "later, or ask an operator to check the workspace's Odoo URL",
                code="odoo_http_error",
            )
        return response


async def _send(
    http: httpx.AsyncClient, connection: OdooConnection, url: httpx.URL, payload: dict[str, Any]
) -> httpx.Response:
    try:
        return await http.post(url, json=payload)
    except httpx.TimeoutException:
        raise ToolError(
            f"the Odoo server at {connection.where} did not answer in time; try again in a moment",
            code="odoo_timeout",
        ) from None
    except httpx.HTTPError as exc:
        raise ToolError(
            f"could not reach the Odoo server at {connection.where} ({type(exc).__name__}); it may be down. "
            "Try again later, or ask an operator to check the workspace's Odoo URL.",
            code="odoo_unreachable",
        ) from None


def _redirected(
    connection: OdooConnection, url: httpx.URL, response: httpx.Response, count: int
) -> httpx.URL:
    """Where to POST again, if the redirect stays on the host over https (or loopback http)."""
    location = response.headers.get("location")
    fix = (
        "an operator should set the workspace's Odoo URL to the address Odoo answers at "
        "(`agentctl tenant update <tenant> --odoo-url https://…`). Retrying will not help."
    )
    if not location:
        raise ToolError(
            f"the Odoo server at {connection.where} answered a redirect without a Location; {fix}",
            code="odoo_bad_response",
        )
    target = url.join(location)
    if count > MAX_REDIRECTS:
        raise ToolError(
            f"the Odoo server at {connection.where} redirected more than {MAX_REDIRECTS} times; {fix}",
            code="odoo_redirect_refused",
        )
    downgraded = url.scheme == "https" and target.scheme != "https"
    if target.host != url.host or downgraded or insecure_url(target):
        raise ToolError(
            f"the Odoo server at {connection.where} redirects to {target.scheme}://{target.host}, which "
            f"is not followed (only https on the same host is: the API key goes with the request); {fix}",
            code="odoo_redirect_refused",
        )
    return target


def _wait(connection: OdooConnection, response: httpx.Response, attempts: int) -> float:
    """Seconds to wait before the next attempt; a :class:`ToolError` if there is none to make."""
    status = response.status_code
    asked = _retry_after(response.headers.get("retry-after"))
    if attempts >= MAX_ATTEMPTS:
        raise ToolError(
            f"the Odoo server at {connection.where} is busy (HTTP {status}) and still was after "
            f"{MAX_ATTEMPTS} tries; try again in a minute",
            code="odoo_busy",
        )
    base = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
    wait = asked if asked is not None else base + random.uniform(0, base / 4)
    left = call_time_left()
    room = MAX_RETRY_AFTER if left is None else min(MAX_RETRY_AFTER, left - MARGIN_SECONDS)
    if wait > room:
        then = f"{asked:.0f} s" if asked is not None else "a moment"
        raise ToolError(
            f"the Odoo server at {connection.where} did not answer in time: it is busy (HTTP {status}) and "
            f"asked to wait {wait:.0f} s, more than this call may take; try again in {then}",
            code="odoo_timeout",
        )
    return max(wait, 0.0)


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (RFC 9110: delay-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
