"""A loopback fake of DuckDuckGo's HTML endpoint, answering with the markup the real one serves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass(frozen=True)
class Hit:
    title_html: str
    url: str
    snippet_html: str


ANOMALY_PAGE = """<!DOCTYPE html><html><body>
<form id="challenge-form" action="//duckduckgo.com/anomaly.js?sv=html&cc=sre" method="POST">
  <div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div>
  <div class="anomaly-modal__description">Please complete the following challenge.</div>
</form></body></html>"""

NO_RESULTS_PAGE = """<!DOCTYPE html><html><body><div id="links" class="results">
<div class="result results_links results_links_deep result--no-result">
  <div class="no-results">No  results.</div>
</div></div></body></html>"""


def wrapped(url: str) -> str:
    """A result link as DuckDuckGo writes it: through its redirector, the target percent-encoded."""
    return f"//duckduckgo.com/l/?uddg={quote(url, safe='')}&amp;rut=8f2a61d0c3b4e5f6"


def result_block(hit: Hit) -> str:
    link = wrapped(hit.url)
    return f"""
<div class="result results_links results_links_deep web-result ">
  <div class="links_main links_deep result__body">
    <h2 class="result__title">
      <a rel="nofollow" class="result__a" href="{link}">{hit.title_html}</a>
    </h2>
    <div class="result__extras"><div class="result__extras__url">
      <a class="result__url" href="{link}">{escape(hit.url)}</a>
    </div></div>
    <a class="result__snippet" href="{link}">{hit.snippet_html}</a>
    <div class="clear"></div>
  </div>
</div>"""


AD_BLOCK = """
<div class="result results_links results_links_deep result--ad result--ad--small">
  <div class="links_main links_deep result__body">
    <h2 class="result__title"><a rel="nofollow" class="result__a"
      href="https://duckduckgo.com/y.js?ad_domain=ads.example&amp;ad_provider=bing">Buy tide clocks</a></h2>
    <a class="result__snippet" href="https://duckduckgo.com/y.js?ad_domain=ads.example">Sponsored.</a>
  </div>
</div>"""


def results_page(hits: list[Hit]) -> str:
    blocks = "".join(result_block(hit) for hit in hits)
    return f"""<!DOCTYPE html>
<html><head><title>tides at DuckDuckGo</title></head><body>
<div id="links" class="results">{AD_BLOCK}{blocks}</div>
</body></html>"""


HUGE_PAGE_BYTES = 20_000_000
FILLER = "<div class='footer__text'><p>Privacy, simplified.</p><span>&nbsp;</span></div>\n" * 100


@dataclass
class FakeDuckDuckGo:
    """Answers POST (or GET) ``/html/`` with ``hits``; records each query; can be told to refuse.

    In ``huge`` mode the results are followed by 20 MB of markup, streamed; ``bytes_sent`` says how
    much of it left before the client stopped reading.
    """

    hits: list[Hit]
    mode: str = "results"  # or "anomaly", "empty", "unavailable", "slow", "huge"
    queries: list[str] = field(default_factory=list)
    bytes_sent: int = 0

    async def search(self, request: Request) -> Response:
        fields = parse_qs((await request.body()).decode()) if request.method == "POST" else {}
        self.queries.append(fields.get("q", [request.query_params.get("q", "")])[0])
        if self.mode == "anomaly":
            return HTMLResponse(ANOMALY_PAGE, status_code=202)
        if self.mode == "empty":
            return HTMLResponse(NO_RESULTS_PAGE)
        if self.mode == "slow":
            for _ in range(100):  # up to 5 s, and no longer than the client waits
                if await request.is_disconnected():
                    break
                await asyncio.sleep(0.05)
        if self.mode == "unavailable":
            return PlainTextResponse("Service Unavailable", status_code=503)
        if self.mode == "huge":
            return StreamingResponse(self._huge_page(), media_type="text/html; charset=utf-8")
        return HTMLResponse(results_page(self.hits))

    async def _huge_page(self) -> AsyncIterator[bytes]:
        page = results_page(self.hits).removesuffix("</body></html>").encode()
        filler = FILLER.encode()
        while self.bytes_sent < HUGE_PAGE_BYTES:
            chunk = page if self.bytes_sent == 0 else filler
            self.bytes_sent += len(chunk)
            yield chunk
            await asyncio.sleep(0)  # lets Starlette stop the stream once the client has gone

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/html/", self.search, methods=["GET", "POST"])])
