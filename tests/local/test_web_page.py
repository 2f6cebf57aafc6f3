"""The chat page beside the API (`make dev`): `/` and the page's own files, and nothing else, from web/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from local.web_page import WEB, WithWebPage
from tests.support.server import serve


async def api(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands for the gateway: names what reached it."""
    await PlainTextResponse(f"api {scope['method']} {scope['path']}")(scope, receive, send)


@pytest.fixture
def base() -> Iterator[str]:
    with serve(WithWebPage(api)) as url:
        yield url


def test_the_page_and_its_files_are_served_with_their_types(base: str) -> None:
    page = httpx.get(base + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text == (WEB / "index.html").read_text()
    script = httpx.get(base + "/app.js")
    # A module script runs only when served with a JavaScript type.
    assert script.headers["content-type"].startswith("text/javascript")
    assert httpx.get(base + "/app.css").headers["content-type"].startswith("text/css")


@pytest.mark.not_the_api  # `api` stands in for the gateway: its answers are not the API's
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/agents"),
        ("POST", "/"),
        ("GET", "/missing.js"),
        ("GET", "/%2e%2e/Makefile"),
        ("GET", "/web/app.js"),
    ],
)
def test_everything_else_goes_to_the_api(base: str, method: str, path: str) -> None:
    answer = httpx.request(method, base + path)
    assert answer.text.startswith(f"api {method} /")
