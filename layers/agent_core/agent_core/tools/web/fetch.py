"""Fetch one page within the rules: http(s) only, vetted addresses, few redirects, a byte cap, a deadline.

Redirects are followed here, by hand, so that every hop is checked again (its scheme here, its
host and addresses by the network backend when it connects). The body is streamed and reading
stops at the byte cap, so a huge or endless page costs at most that much; gzip is accepted and
inflated under the same cap.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpcore
import httpx

from agent_core.errors import ToolError
from agent_core.tools.services import USER_AGENT
from agent_core.tools.web.network import VettedNetworkBackend
from agent_core.tools.web.rules import WebRules

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HEADERS = [
    (b"User-Agent", USER_AGENT.encode()),
    (b"Accept", b"text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.1"),
    (b"Accept-Encoding", b"gzip"),
]


@dataclass(frozen=True)
class Page:
    """What a visit read: where it ended up, what the server said it is, and up to the cap of it."""

    url: str
    media_type: str
    charset: str | None
    body: bytes
    truncated: bool


async def fetch_page(url: str, rules: WebRules, *, accepts: Callable[[str], bool]) -> Page:
    """GET ``url`` under ``rules``; refuse a media type ``accepts`` rejects before reading its body.

    Every failure is a :class:`ToolError` whose message the model can read.
    """
    target = checked_url(url)
    backend = VettedNetworkBackend(rules.policy, rules.resolver)
    # A pool per visit: visits go to arbitrary hosts, so keep-alive across them buys little, and
    # no connection outlives the visit (and the event loop) it was vetted for.
    try:
        async with (
            asyncio.timeout(rules.timeout_seconds),
            httpcore.AsyncConnectionPool(network_backend=backend, max_connections=4) as pool,
        ):
            return await _follow(pool, target, rules, accepts)
    except TimeoutError:
        raise ToolError(f"{url} did not load within {rules.timeout_seconds:g} s") from None
    except httpcore.ConnectError as exc:
        raise ToolError(f"could not connect to {target.host}: {exc or 'connection failed'}") from exc
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
        raise ToolError(f"the connection to {target.host} failed: {exc or type(exc).__name__}") from exc


def checked_url(url: str, base: httpx.URL | None = None) -> httpx.URL:
    """``url`` (relative to ``base``, if given) parsed, if it is an absolute http(s) URL.

    Its host and the addresses it resolves to are vetted by the network backend, when connecting.
    """
    try:
        parsed = base.join(url) if base is not None else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ToolError(f"not a valid URL: {url}") from exc
    if parsed.scheme not in ("http", "https"):
        scheme = f"{parsed.scheme}:" if parsed.scheme else "a relative URL"
        raise ToolError(f"refused: {scheme} is not allowed; only http and https pages can be visited")
    if not parsed.host:
        raise ToolError(f"not a valid URL (no host): {url}")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ToolError(f"not a valid URL (port {parsed.port}): {url}")
    return parsed


async def _follow(
    pool: httpcore.AsyncConnectionPool, url: httpx.URL, rules: WebRules, accepts: Callable[[str], bool]
) -> Page:
    redirects = 0
    while True:
        core_url = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        async with pool.stream("GET", core_url, headers=HEADERS) as response:
            headers = httpx.Headers(response.headers)
            if response.status in REDIRECT_STATUSES and "location" in headers:
                if redirects == rules.max_redirects:
                    raise ToolError(f"refused: {url} redirects again after {rules.max_redirects} redirects")
                redirects += 1
                url = checked_url(headers["location"], base=url)
                continue
            if not 200 <= response.status < 300:
                raise ToolError(f"{url} answered HTTP {response.status}")
            media_type, charset = _media_type(headers.get("content-type", ""))
            if not accepts(media_type):
                raise ToolError(f"refused: {url} is {media_type or 'of no stated type'}, not a readable page")
            body, truncated = await _read(response, headers.get("content-encoding", ""), rules.max_bytes)
            return Page(str(url), media_type, charset, body, truncated)


async def _read(response: httpcore.Response, encoding: str, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of the (decoded) body, and whether there was more; stops reading there."""
    encoding = encoding.strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        raise ToolError(f"refused: the page is sent with {encoding} compression, which cannot be read here")
    gzip = zlib.decompressobj(zlib.MAX_WBITS | 16) if encoding.endswith("gzip") else None
    body = bytearray()
    read = 0
    async for chunk in response.aiter_stream():
        read += len(chunk)
        try:
            body += gzip.decompress(chunk, limit + 1 - len(body)) if gzip else chunk
        except zlib.error as exc:
            raise ToolError("the page's gzip compression is corrupt") from exc
        if len(body) > limit or read > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


def _media_type(content_type: str) -> tuple[str, str | None]:
    """``text/html; charset=utf-8`` → (``text/html``, ``utf-8``)."""
    kind, *params = content_type.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return kind.strip().lower(), charset
