"""DuckDuckGo's HTML result page (``html.duckduckgo.com/html/``) read into search results.

The markup, as that endpoint serves it::

    <div class="result results_links web-result">
      <h2 class="result__title">
        <a class="result__a" href="//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2F&rut=…">Title</a>
      </h2>
      <a class="result__snippet" href="…">Snippet with <b>highlights</b></a>
    </div>

Ads carry ``result--ad``; links are wrapped in DuckDuckGo's redirector and unwrapped here. When
it suspects a bot, DuckDuckGo answers with an "anomaly" page (a captcha) instead.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from pydantic import BaseModel

from agent_core.errors import ToolError


class SearchResult(BaseModel):
    title: str
    url: str
    snippet: str


def parse_results(html: str, page_url: str, limit: int) -> list[SearchResult]:
    """Up to ``limit`` organic results, in order, without ads or duplicates."""
    soup = BeautifulSoup(html, "html.parser")
    if is_anomaly_page(soup):
        raise ToolError(
            "the search engine asked for a captcha (it suspects automated traffic); "
            "try again in a while, or answer without searching"
        )
    results: dict[str, SearchResult] = {}
    for block in soup.select("div.result"):
        link = block.select_one("a.result__a")
        if "result--ad" in block.get_attribute_list("class") or link is None:
            continue
        url = unwrap(str(link.get("href") or ""), page_url)
        if url is None or url in results:
            continue
        snippet = block.select_one(".result__snippet")
        results[url] = SearchResult(title=_text(link), url=url, snippet=_text(snippet) if snippet else "")
        if len(results) == limit:
            break
    return list(results.values())


def unwrap(href: str, page_url: str) -> str | None:
    """The target of a result link: ``//duckduckgo.com/l/?uddg=<target>&rut=…`` → ``<target>``."""
    absolute = urljoin(page_url, href)
    parts = urlsplit(absolute)
    if parts.path.startswith("/l/"):
        absolute = parse_qs(parts.query).get("uddg", [""])[0]
    elif parts.path.startswith("/y.js"):
        return None  # an ad's click tracker
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def is_anomaly_page(soup: BeautifulSoup) -> bool:
    return (
        soup.select_one(".anomaly-modal, #challenge-form, form[action*='anomaly']") is not None
        or "bots use DuckDuckGo too" in soup.get_text()
    )


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())
