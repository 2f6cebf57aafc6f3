"""The HTTP rules of a hosted Odoo, through a loopback proxy in front of the demo ERP: a redirect on
the same host is followed with the POST and its body kept, one to another host or to plain http
is refused before anything is sent there, and 429 and 503 are retried within the call's time."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_core import ToolError, ToolServices
from agent_core.timeouts import call_deadline
from agent_core.tools.odoo import odoo
from agent_core.tools.odoo.banking import get_bank_balance
from local.erp import RunningErp
from tests.support.erp import bank_balances, bound, invoke, seeded
from tests.support.server import serve

pytestmark = pytest.mark.anyio
HTTP_TIMEOUT_SECONDS = 3.0


class Proxy:
    """What the proxy saw: each request's method and path, and how many times each path was hit."""

    def __init__(self, erp_url: str) -> None:
        self.erp_url = erp_url
        self.seen: list[tuple[str, str, bool]] = []  # method, path, whether it had a JSON body
        self.hits: Counter[str] = Counter()

    def app(self) -> Starlette:
        async def redirect(request: Request) -> Response:
            await self.note(request)
            code = int(request.path_params["code"])
            target = request.path_params["target"]
            location = {
                "erp": self.erp_url + "/jsonrpc",
                "relative": f"/moved/{code}/jsonrpc",
                "other-host": self.erp_url.replace("127.0.0.1", "localhost") + "/jsonrpc",
                "https-other": "https://odoo.example.com/jsonrpc",
                "loop": str(request.url),
            }[target]
            return Response(status_code=code, headers={"Location": location})

        async def moved(request: Request) -> Response:
            await self.note(request)
            return await self.forward(request)

        async def busy(request: Request) -> Response:
            await self.note(request)
            status, times = int(request.path_params["status"]), int(request.path_params["times"])
            after = request.path_params["after"]
            key = request.url.path
            self.hits[key] += 1
            if self.hits[key] <= times:
                if after == "date":  # an HTTP date one second ahead (RFC 9110 allows either form)
                    after = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
                headers = {"Retry-After": after} if after != "none" else {}
                return Response("busy", status_code=status, headers=headers)
            return await self.forward(request)

        return Starlette(
            routes=[
                Route("/redirect/{code}/{target}/jsonrpc", redirect, methods=["GET", "POST"]),
                Route("/moved/{code}/jsonrpc", moved, methods=["GET", "POST"]),
                Route("/busy/{status}/{times}/{after}/jsonrpc", busy, methods=["POST"]),
            ]
        )

    async def note(self, request: Request) -> None:
        body = await request.body()
        self.seen.append((request.method, request.url.path, body.startswith(b"{")))

    async def forward(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("<html>Odoo login page</html>", media_type="text/html")
        async with httpx.AsyncClient() as client:
            answer = await client.post(self.erp_url + "/jsonrpc", content=await request.body())
        return JSONResponse(answer.json())


@pytest.fixture
def proxy(erp: RunningErp) -> Iterator[tuple[Proxy, str]]:
    state = Proxy(erp.url)
    with serve(state.app()) as url:
        yield state, url


@pytest.mark.parametrize("code", [301, 302, 307, 308])
async def test_a_redirect_on_the_same_host_is_followed_and_the_post_keeps_its_body(
    code: int, proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    state, url = proxy

    result = await invoke(get_bank_balance, bound("acme", f"{url}/redirect/{code}/relative", services))

    totals = {j["journal"]: j["balance"] for j in result["journals"]}
    assert totals == pytest.approx(bank_balances(seeded("acme")), abs=0.01)
    moved = [(method, body) for method, path, body in state.seen if path.startswith("/moved/")]
    assert moved and all(seen == ("POST", True) for seen in moved)  # never turned into a GET


async def test_a_redirect_to_another_port_of_the_same_loopback_host_is_followed(
    proxy: tuple[Proxy, str], erp: RunningErp, services: ToolServices
) -> None:
    _, url = proxy
    before = erp.calls["object.execute_kw"]

    client = await odoo(bound("acme", f"{url}/redirect/308/erp", services))

    assert await client.search_count("res.partner", []) == len(seeded("acme").records("res.partner"))
    assert erp.calls["object.execute_kw"] == before + 1


@pytest.mark.parametrize(
    ("target", "named"), [("other-host", "http://localhost"), ("https-other", "https://odoo.example.com")]
)
async def test_a_redirect_to_another_host_is_refused_and_nothing_is_sent_there(
    target: str, named: str, proxy: tuple[Proxy, str], erp: RunningErp, services: ToolServices
) -> None:
    _, url = proxy
    before = sum(erp.calls.values())
    client = await odoo(bound("acme", f"{url}/redirect/301/{target}", services))

    with pytest.raises(ToolError) as caught:
        await client.search_count("res.partner", [])

    assert caught.value.code == "odoo_redirect_refused"
    assert f"redirects to {named}, which is not followed" in caught.value.message
    assert "--odoo-url" in caught.value.message
    assert sum(erp.calls.values()) == before  # the key never reached the other host


async def test_a_redirect_loop_ends_after_a_few_hops(
    proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    state, url = proxy
    client = await odoo(bound("acme", f"{url}/redirect/307/loop", services))

    with pytest.raises(ToolError, match="redirected more than 3 times") as caught:
        await client.search_count("res.partner", [])

    assert caught.value.code == "odoo_redirect_refused" and len(state.seen) == 4


@pytest.mark.parametrize(("status", "after"), [(429, "0"), (503, "1"), (503, "none"), (429, "date")])
async def test_429_and_503_are_retried_with_backoff_then_the_answer_comes(
    status: int, after: str, proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    state, url = proxy
    client = await odoo(bound("acme", f"{url}/busy/{status}/2/{after}", services))

    started = time.monotonic()
    with call_deadline(10):
        count = await client.search_count("res.partner", [])
    waited = time.monotonic() - started

    assert count == len(seeded("acme").records("res.partner"))
    assert sum(state.hits.values()) == 2 + 2  # two refusals, then the login and the count
    if after == "1":
        assert waited >= 2  # Retry-After honoured, twice
    if after == "none":
        assert 1.5 <= waited < 5  # the backoff: about 0.5 s, then 1 s


async def test_a_retry_after_beyond_the_calls_time_is_a_readable_timeout_at_once(
    proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    _, url = proxy
    client = await odoo(bound("acme", f"{url}/busy/503/5/120", services))

    started = time.monotonic()
    with call_deadline(8), pytest.raises(ToolError) as caught:
        await client.search_count("res.partner", [])

    assert time.monotonic() - started < 2  # told now, not after waiting out the call
    assert caught.value.code == "odoo_timeout"
    assert "busy (HTTP 503) and asked to wait 120 s" in caught.value.message
    assert "try again in 120 s" in caught.value.message


async def test_a_server_still_busy_after_the_last_try_says_so(
    proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    state, url = proxy
    client = await odoo(bound("acme", f"{url}/busy/429/99/0", services))

    with pytest.raises(ToolError) as caught:
        await client.search_count("res.partner", [])

    assert caught.value.code == "odoo_busy" and "still was after 4 tries" in caught.value.message
    assert sum(state.hits.values()) == 4


async def test_a_tool_call_in_a_turn_waits_no_longer_than_its_timeout(
    proxy: tuple[Proxy, str], services: ToolServices
) -> None:
    _, url = proxy
    ctx = bound("acme", f"{url}/busy/503/5/3", services)

    with call_deadline(2), pytest.raises(ToolError, match="asked to wait 3 s, more than this call may take"):
        await invoke(get_bank_balance, ctx)
