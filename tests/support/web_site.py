"""A small website for ``visit_webpage`` to read, served on loopback by :func:`tests.support.server.serve`."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

ARTICLE = """<!doctype html>
<html><head>
  <meta charset="utf-8"><title>Tide tables | Harbour Office</title>
  <style>body { color: red }</style>
  <script>document.write("tracking pixel")</script>
</head><body>
  <nav><a href="/">Home</a> <a href="/about">About us</a></nav>
  <main>
    <h1>Tide tables</h1>
    <p>High water at <strong>06:42</strong> and <em>19:05</em>, Dover.</p>
    <ul><li>Spring tides: 6.8 m</li><li>Neap tides: 4.1 m</li></ul>
    <p>See the <a href="https://example.org/almanac">almanac</a>.</p>
  </main>
  <script>alert("never seen")</script>
</body></html>"""


async def article(request: Request) -> Response:
    return HTMLResponse(ARTICLE)


async def long_article(request: Request) -> Response:
    """Three thousand numbered paragraphs (about 300 KB), with a script between each hundred."""
    paragraphs = "".join(
        f"<p>Paragraph {n}: the tide turns twice a day, a little later each day.</p>"
        + ("<script>var padding = '<p>not content</p>';</script><!-- <script> -->" if n % 100 == 0 else "")
        for n in range(1, 3001)
    )
    return HTMLResponse(
        f"<html><head><title>Long</title></head><body><main>{paragraphs}</main></body></html>"
    )


async def plain(request: Request) -> Response:
    return PlainTextResponse("Line one.\n  Line two, indented *as is*.\n")


async def data(request: Request) -> Response:
    return JSONResponse({"port": "Dover", "tides": [6.8, 4.1]})


async def latin1(request: Request) -> Response:
    """Latin-1, declared only inside the page."""
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Menu</title></head>'
        "<body><p>Café crème</p></body></html>"
    )
    return Response(page.encode("latin-1"), headers={"content-type": "text/html"})


async def accents(request: Request) -> Response:
    """A thousand "é" in UTF-8 (2,000 bytes), with no charset anywhere."""
    return Response(("é" * 1000).encode(), headers={"content-type": "text/plain"})


async def gzipped(request: Request) -> Response:
    body = gzip.compress(b"Compressed, then read.")
    return Response(body, media_type="text/plain", headers={"Content-Encoding": "gzip"})


async def image(request: Request) -> Response:
    return Response(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, media_type="image/png")


async def missing(request: Request) -> Response:
    return PlainTextResponse("no such page", status_code=404)


async def big(request: Request) -> Response:
    """``size`` bytes of text, streamed in 64 KB pieces; ``sent`` counts what actually left."""
    size = int(request.query_params["size"])
    counter: list[int] = request.app.state.sent

    async def pieces() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            piece = b"x" * min(left, 65_536)
            counter[0] += len(piece)
            left -= len(piece)
            yield piece
            await asyncio.sleep(0)  # lets Starlette stop the stream once the client has gone

    return StreamingResponse(pieces(), media_type="text/plain")


async def trickle(request: Request) -> Response:
    """Answers at once, then sends a byte every 50 ms for a minute: never idle, never done."""

    async def bytes_slowly() -> AsyncIterator[bytes]:
        for _ in range(1200):
            yield b"."
            await asyncio.sleep(0.05)

    return StreamingResponse(bytes_slowly(), media_type="text/plain")


async def stall(request: Request) -> Response:
    """Sends nothing for up to a minute (stops early once the client has gone)."""
    for _ in range(1200):
        if await request.is_disconnected():
            break
        await asyncio.sleep(0.05)
    return PlainTextResponse("too late")


async def hops(request: Request) -> Response:
    """``/hops/3`` → ``/hops/2`` → ``/hops/1`` → ``/hops/0``, which answers."""
    left = int(request.path_params["left"])
    if left == 0:
        return PlainTextResponse("arrived")
    return RedirectResponse(f"/hops/{left - 1}", status_code=302)


async def redirect(request: Request) -> Response:
    """A redirect to wherever ``?to=`` says."""
    return RedirectResponse(request.query_params["to"], status_code=302)


def web_site() -> Starlette:
    app = Starlette(
        routes=[
            Route("/article", article),
            Route("/long-article", long_article),
            Route("/plain", plain),
            Route("/data.json", data),
            Route("/latin1", latin1),
            Route("/accents", accents),
            Route("/gzipped", gzipped),
            Route("/image.png", image),
            Route("/missing", missing),
            Route("/big", big),
            Route("/trickle", trickle),
            Route("/stall", stall),
            Route("/hops/{left:int}", hops),
            Route("/redirect", redirect),
        ]
    )
    app.state.sent = [0]
    return app
