"""The ``web_search`` tool: DuckDuckGo's HTML endpoint, or any endpoint serving the same page.

The endpoint is the operator's choice (``WEB_SEARCH_URL``), never the model's, so it is reached
with the shared HTTP client rather than through ``visit_webpage``'s address vetting. Its answer
is still not trusted to be small: at most :data:`MAX_RESULT_PAGE_BYTES` of it is read, and it is
parsed in a worker thread, so a huge page neither fills memory nor stalls the other requests the
process serves on its event loop.
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
import httpx
from pydantic import Field

from agent_core.errors import ToolError
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.web.duckduckgo import SearchResult, parse_results

# A result page is tens of kilobytes, its results first; past 2 MB, the rest is not read.
MAX_RESULT_PAGE_BYTES = 2_000_000


@tool(read_only=True)
async def web_search(
    ctx: RunContext,
    query: Annotated[str, Field(min_length=1, max_length=400, description="What to search for.")],
    max_results: Annotated[int, Field(ge=1, le=10)] = 5,
) -> list[SearchResult] | str:
    """Search the web; returns the top results as JSON: [{"title", "url", "snippet"}].

    Use it for facts you do not know or that may have changed (news, prices, releases, people).
    Write the query as a person would type it into a search box. Snippets are short and may be
    stale: read the most promising results with `visit_webpage` before answering, and cite their URLs.
    """
    endpoint = ctx.services.settings.web_search_url
    try:
        html, page_url, cut = await _result_page(ctx.services.http, endpoint, query)
    except httpx.TimeoutException as exc:
        raise ToolError("the search engine did not answer in time; try again shortly") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"the search engine could not be reached ({type(exc).__name__})") from exc
    # Parsing 2 MB of HTML takes about a second of CPU: in a worker thread, the event loop goes on.
    results = await anyio.to_thread.run_sync(parse_results, html, page_url, max_results)
    if not results and cut:
        raise ToolError(
            "the search engine sent a result page of over 2 MB without results at its top; "
            "try again later, or answer without searching"
        )
    if not results:
        return f'[]\nNo results for "{query}". Try fewer or different words.'
    return results


async def _result_page(http: httpx.AsyncClient, endpoint: str, query: str) -> tuple[str, str, bool]:
    """The page's first :data:`MAX_RESULT_PAGE_BYTES` as text, its URL, and whether it was cut there.

    A longer page is cut rather than refused: its results are at the top, so the prefix holds them.
    Leaving the stream early closes the connection instead of draining the rest.
    """
    body = bytearray()
    async with http.stream("POST", endpoint, data={"q": query}, headers={"Accept": "text/html"}) as response:
        if not response.is_success:  # a redirect too: its body is not a result page
            raise ToolError(f"the search engine answered HTTP {response.status_code}; try again shortly")
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_RESULT_PAGE_BYTES:
                break
    cut = len(body) > MAX_RESULT_PAGE_BYTES
    text = bytes(body[:MAX_RESULT_PAGE_BYTES]).decode(response.encoding or "utf-8", errors="replace")
    return text, str(response.url), cut
