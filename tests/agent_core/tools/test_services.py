"""The HTTP client shared by every tenant's tools carries nothing from one call to the next."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent_core import Settings
from tests.support.context import tool_services
from tests.support.server import serve


async def echo(request: Request) -> JSONResponse:
    response = JSONResponse({"cookie": request.headers.get("cookie")})
    response.set_cookie("session", "tenant-a-session")
    return response


@pytest.mark.anyio
async def test_a_cookie_set_for_one_tenant_is_never_sent_for_another() -> None:
    services = tool_services(Settings())
    with serve(Starlette(routes=[Route("/", echo)])) as base:
        first = await services.http.get(base + "/")
        second = await services.http.get(base + "/")

    assert first.headers["set-cookie"].startswith("session=tenant-a-session")
    assert second.json() == {"cookie": None}
    await services.http.aclose()


def test_each_event_loop_gets_its_own_client_and_a_closed_loops_client_goes_with_it() -> None:
    services = tool_services(Settings())

    async def client() -> httpx.AsyncClient:
        return services.http

    first_loop = asyncio.new_event_loop()
    first = first_loop.run_until_complete(client())
    assert first_loop.run_until_complete(client()) is first  # pooled across the turns of one loop
    first_loop.run_until_complete(first.aclose())
    first_loop.close()
    del first_loop
    gc.collect()
    # A new loop may get the closed one's id (CPython reuses it): it must still get a new client.
    assert len(services._clients) == 0

    second_loop = asyncio.new_event_loop()
    second = second_loop.run_until_complete(client())
    assert second is not first
    second_loop.run_until_complete(second.aclose())
    second_loop.close()
