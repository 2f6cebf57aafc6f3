"""The HTTP client shared by every tenant's tools carries nothing from one call to the next."""

from __future__ import annotations

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
