"""The ``visit_webpage`` tool."""

from __future__ import annotations

import asyncio
from typing import Annotated

from pydantic import Field

from agent_core.tools.base import tool
from agent_core.tools.context import RunContext
from agent_core.tools.web.fetch import Page, fetch_page
from agent_core.tools.web.readable import Readable, is_readable, readable_text


@tool(read_only=True)
async def visit_webpage(
    ctx: RunContext,
    url: Annotated[str, Field(min_length=1, max_length=2048, description="An absolute http(s) URL.")],
) -> str:
    """Read one web page: HTML comes back as Markdown, plain text as it is, JSON pretty-printed.

    Use it to read a result of `web_search` or a link the user gave, before answering from it.
    Only public http and https addresses can be visited: local, private and cloud metadata
    addresses are refused, also after a redirect. A visit reads at most 1 MB within 10 seconds,
    follows at most 5 redirects, and returns at most 20,000 characters; a note says when a page
    was cut. Images, PDFs and other binary files are refused.
    """
    rules = ctx.services.web_rules
    page = await fetch_page(url, rules, accepts=is_readable)
    # Parsing a large page takes seconds: off the event loop, so other streams keep flowing.
    readable = await asyncio.to_thread(readable_text, page, rules.max_chars)
    return render_page(page, readable, rules.max_chars)


def render_page(page: Page, readable: Readable, max_chars: int) -> str:
    """The page as the model reads it: where it came from, then its text, then notes about cuts."""
    lines = [f"URL: {page.url}"]
    if readable.title:
        lines.append(f"Title: {readable.title}")
    lines.append(f"Content-Type: {page.media_type}")
    text, notes = readable.text, []
    if page.truncated:
        notes.append(f"[The page is larger than {page_size(len(page.body))}; only that much was read.]")
    if len(text) > max_chars and readable.complete:
        notes.append(f"[Cut: showing the first {max_chars:,} of {len(text):,} characters.]")
    elif len(text) > max_chars or not readable.complete:
        notes.append(f"[Cut: showing the first {min(len(text), max_chars):,} characters; the page goes on.]")
    body = text[:max_chars].strip() or "(the page has no readable text)"
    return "\n".join(lines) + "\n\n" + body + "".join(f"\n\n{note}" for note in notes)


def page_size(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size:,} bytes"
