"""The ``web_search`` tool: DuckDuckGo's HTML endpoint, or any endpoint serving the same page.

The endpoint is the operator's choice (``WEB_SEARCH_URL``), never the model's, so it is reached
with the shared HTTP client rather than through ``visit_webpage``'s address vetting.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from pydantic import Field

from agent_core.errors import ToolError
from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.web.duckduckgo import SearchResult, parse_results


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
        response = await ctx.services.http.post(endpoint, data={"q": query}, headers={"Accept": "text/html"})
    except httpx.TimeoutException as exc:
        raise ToolError("the search engine did not answer in time; try again shortly") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"the search engine could not be reached ({type(exc).__name__})") from exc
    if not response.is_success:  # a redirect too: its body is not a result page
        raise ToolError(f"the search engine answered HTTP {response.status_code}; try again shortly")
    results = parse_results(response.text, str(response.url), max_results)
    if not results:
        return f'[]\nNo results for "{query}". Try fewer or different words.'
    return results
