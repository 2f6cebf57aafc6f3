"""The Odoo client against the demo ERP: it logs in once per credentials, logs in again when a cached
uid is refused, and turns every failure into a ToolError the model can act on, with no credential."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from agent_core import RunContext, Settings, Tool, ToolError, ToolServices
from agent_core.tools.odoo import ODOO_TOOLS, odoo
from agent_core.tools.odoo.banking import get_bank_balance
from agent_core.tools.odoo.sales import get_top_customers
from agent_core.tools.odoo.warehouse import get_slow_moving_stock
from local.erp import RunningErp, credentials, start_erp
from tests.support.context import tool_services
from tests.support.erp import (
    TODAY,
    bound,
    invoke,
    odoo_secret,
    odoo_tenant,
    run_context,
    seeded,
)
from tests.support.garbling import (
    DEEPLY_NESTED,
    NOT_JSON,
    Garble,
    GarblingProxy,
    in_result,
    with_fields_retyped,
    without_a_field,
)
from tests.support.server import serve
from tests.support.sockets import closed_url, silent_url

pytestmark = pytest.mark.anyio
HTTP_TIMEOUT_SECONDS = 3.0
LOGIN, KEY = credentials("acme")


@pytest.fixture(scope="module")
def not_odoo() -> Iterator[str]:
    async def page(_: Request) -> HTMLResponse:
        return HTMLResponse("<html><body>Welcome to nginx!</body></html>")

    with serve(Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])) as url:
        yield url


async def test_the_client_logs_in_once_and_reuses_the_uid(erp: RunningErp, services: ToolServices) -> None:
    before = erp.calls["common.authenticate"]
    ctx = bound("acme", erp.url, services)

    await invoke(get_bank_balance, ctx)
    await invoke(get_top_customers, ctx)
    client = await odoo(ctx)
    partners = await client.search_count("res.partner", [])

    assert erp.calls["common.authenticate"] - before == 1
    assert partners == len(seeded("acme").records("res.partner"))


async def test_another_database_or_a_rotated_key_logs_in_anew(
    erp: RunningErp, services: ToolServices
) -> None:
    logins = erp.calls["common.authenticate"]
    await invoke(get_bank_balance, bound("acme", erp.url, services))
    await invoke(get_bank_balance, bound("globex", erp.url, services))
    await invoke(get_bank_balance, bound("acme", erp.url, services))
    assert erp.calls["common.authenticate"] - logins == 2

    rotated = run_context(
        odoo_tenant("acme", erp.url), {**odoo_secret("acme"), "odoo_api_key": "f" * 40}, services
    )
    with pytest.raises(ToolError, match="refused this workspace's login"):
        await invoke(get_bank_balance, rotated)
    assert erp.calls["common.authenticate"] - logins == 3


async def test_a_refused_cached_uid_is_dropped_and_the_login_tried_once_more(services: ToolServices) -> None:
    # Given a uid cached from an ERP that was then restored from another backup (other user ids)
    first = start_erp(seed=1, today=TODAY)
    url = first.url
    port = int(url.rsplit(":", 1)[1])
    before = await (await odoo(bound("acme", url, services))).search_count("sale.order", [])
    first.stop()
    assert seeded("acme", 1).uid != seeded("acme", 2).uid

    with start_erp(port=port, seed=2, today=TODAY) as second:
        # When the next call goes out with the stale uid
        client = await odoo(bound("acme", url, services))
        after = await client.search_count("sale.order", [])

        # Then it was refused once, the client logged in again, and the call went through
        assert second.calls["common.authenticate"] == 1
        assert second.calls["object.execute_kw"] == 2
    assert before == len(seeded("acme", 1).records("sale.order"))
    assert after == len(seeded("acme", 2).records("sale.order"))
    assert services.odoo_uids.get(client.connection.cache_key) == seeded("acme", 2).uid


FAILURES: dict[str, tuple[Callable[[str, str, ToolServices], RunContext], str]] = {
    "wrong key": (
        lambda url, _, s: run_context(
            odoo_tenant("acme", url), {**odoo_secret("acme"), "odoo_api_key": "0" * 40}, s
        ),
        "refused this workspace's login for database 'acme'",
    ),
    "another database's login": (
        lambda url, _, s: run_context(odoo_tenant("acme", url, db="globex"), odoo_secret("acme"), s),
        "refused this workspace's login for database 'globex'",
    ),
    "unknown database": (
        lambda url, _, s: run_context(odoo_tenant("acme", url, db="acme_2019"), odoo_secret("acme"), s),
        "the Odoo database 'acme_2019' does not exist on 127.0.0.1:",
    ),
    "nothing listening": (
        lambda _, __, s: run_context(odoo_tenant("acme", closed_url()), odoo_secret("acme"), s),
        "could not reach the Odoo server at 127.0.0.1:",
    ),
    "no odoo bound": (
        lambda _, __, s: run_context(odoo_tenant("acme", None), odoo_secret("acme"), s),
        "this workspace has no Odoo connected; an operator can bind one with `agentctl tenant update",
    ),
    "no secret": (lambda url, _, s: run_context(odoo_tenant("acme", url), {}, s), "has no credentials"),
    "a login without a key": (
        lambda url, _, s: run_context(odoo_tenant("acme", url), {"odoo_login": LOGIN}, s),
        "has no credentials",
    ),
    "a web server that is not odoo": (
        lambda _, other, s: run_context(odoo_tenant("acme", other), odoo_secret("acme"), s),
        "did not answer as Odoo's JSON-RPC does",
    ),
    "a wrong path": (
        lambda url, _, s: run_context(odoo_tenant("acme", url + "/odoo/"), odoo_secret("acme"), s),
        "answered HTTP 404",
    ),
}


@pytest.mark.parametrize("case", FAILURES)
async def test_every_failure_is_a_readable_tool_error_without_credentials(
    case: str, erp: RunningErp, not_odoo: str, services: ToolServices
) -> None:
    build, expected = FAILURES[case]

    with pytest.raises(ToolError) as caught:
        await invoke(get_bank_balance, build(erp.url, not_odoo, services))

    message = caught.value.message
    assert expected in message
    assert KEY not in message and LOGIN not in message and "Traceback" not in message


async def test_a_hung_server_is_a_timeout_the_model_can_retry_later() -> None:
    services = tool_services(Settings(http_timeout_seconds=0.3))
    try:
        with silent_url() as url, pytest.raises(ToolError, match="did not answer in time") as caught:
            await invoke(
                get_bank_balance, run_context(odoo_tenant("acme", url), odoo_secret("acme"), services)
            )
    finally:
        await services.http.aclose()
    assert KEY not in caught.value.message


@pytest.mark.parametrize(
    ("method", "args", "expected"),
    [
        (
            "search_read",
            [[["nope", "=", 1]]],
            "Odoo rejected the request: Invalid field 'nope' on model 'res.partner'",
        ),
        ("search_read", [["|", ["name", "=", "x"]]], "Odoo rejected the request: Domain"),
        ("search_count", [[["name", "between", "x"]]], "Odoo rejected the request: Invalid leaf"),
        ("write", [[1], {"name": "x"}], "Odoo denied access: You are not allowed to modify 'Contact'"),
    ],
)
async def test_odoos_own_complaints_reach_the_model_without_the_debug_trace(
    erp: RunningErp, services: ToolServices, method: str, args: list[Any], expected: str
) -> None:
    client = await odoo(bound("acme", erp.url, services))

    with pytest.raises(ToolError) as caught:
        await client.execute_kw("res.partner", method, args)

    assert caught.value.message.startswith(expected)
    assert "Traceback" not in caught.value.message and KEY not in caught.value.message


async def test_the_api_key_stays_out_of_reprs_and_the_cache_key(
    erp: RunningErp, services: ToolServices
) -> None:
    client = await odoo(bound("acme", erp.url, services))

    assert KEY not in repr(client.connection)
    assert KEY not in repr(client.connection.cache_key)
    assert client.connection.where == erp.url.removeprefix("http://")


SHAPE = "in a shape this tool cannot read"
NOT_RPC = "did not answer as Odoo's JSON-RPC does"
# Answers of another shape than each call site expects: tried on every call of every tool, after login.
RECORD_GARBLES: dict[str, tuple[Garble, str]] = {
    "records missing a field": (in_result(without_a_field), SHAPE),
    "fields of another type": (in_result(with_fields_retyped), SHAPE),
}
# Answers that are not Odoo's at all: tried on every call (login too) of tools using each read method.
ANSWER_GARBLES: dict[str, tuple[Garble, str]] = {
    "a text where records or a user id belong": (in_result(lambda _: "42"), SHAPE),
    "an object where a list belongs": (in_result(lambda result: {"records": result}), SHAPE),
    "rows that are not objects": (in_result(lambda _: [42, "x"]), SHAPE),
    "neither a result nor an error": (lambda answer: {"jsonrpc": "2.0", "id": answer.get("id")}, NOT_RPC),
    "not JSON": (lambda _: NOT_JSON, NOT_RPC),
    "JSON nested too deep": (lambda _: DEEPLY_NESTED, NOT_RPC),
    "an error that is a string": (
        lambda answer: {"jsonrpc": "2.0", "id": answer.get("id"), "error": "boom"},
        "Odoo failed",
    ),
    "an error without the usual keys": (
        lambda answer: {"jsonrpc": "2.0", "id": answer.get("id"), "error": {"code": "x", "data": ["x"]}},
        "Odoo failed",
    ),
}


@pytest.fixture(scope="module")
def garbling(erp: RunningErp) -> Iterator[tuple[GarblingProxy, str]]:
    proxy = GarblingProxy(erp.url)
    with serve(proxy.app()) as url:
        yield proxy, url


# Each case: the garble, what the model reads, the tools it is tried on, and from which answer.
CASES: dict[str, tuple[Garble, str, tuple[Tool, ...], int]] = {
    **{case: (garble, expected, ODOO_TOOLS, 2) for case, (garble, expected) in RECORD_GARBLES.items()},
    **{
        case: (
            garble,
            expected,
            (get_bank_balance, get_slow_moving_stock),
            1,
        )  # search_read, read_group, read
        for case, (garble, expected) in ANSWER_GARBLES.items()
    },
}


@pytest.mark.parametrize("case", CASES)
async def test_a_malformed_answer_is_a_readable_tool_error_at_every_call_it_can_come_to(
    case: str, garbling: tuple[GarblingProxy, str], services: ToolServices
) -> None:
    # Given an Odoo that garbles the n-th answer of a tool's run, for every n the tool reaches
    proxy, url = garbling
    garble, expected, tools, first = CASES[case]
    problems = []
    for tool in tools:
        calls = await sound_calls(tool, proxy, url, services)
        for at in range(first, calls + 1):
            # When the tool runs, then the model reads what went wrong (see garbled_run)
            problems += await garbled_run(tool, proxy, url, services, garble, at, expected)
    assert problems == []


async def sound_calls(tool: Tool, proxy: GarblingProxy, url: str, services: ToolServices) -> int:
    """How many JSON-RPC calls ``tool`` makes, its login included, when every answer is sound."""
    proxy.aim(None)
    await run_fresh(tool, url, services)
    return proxy.calls


async def garbled_run(
    tool: Tool,
    proxy: GarblingProxy,
    url: str,
    services: ToolServices,
    garble: Garble,
    at: int,
    expected: str,
) -> list[str]:
    """What is wrong when ``tool`` runs with its ``at``-th answer garbled: nothing, if a garbled answer
    is a tool error that says so without credentials, and a sound one is no error."""
    proxy.aim(garble, at)
    try:
        await run_fresh(tool, url, services)
    except ToolError as exc:
        outcome: str | None = exc.message
    except Exception as exc:  # what these tests hunt for
        return [f"{tool.name}, answer {at}: {type(exc).__name__}: {exc}"[:300]]
    else:
        outcome = None
    where = f"{tool.name}, answer {at}"
    if proxy.garbled and (outcome is None or expected not in outcome):
        return [f"{where}: {outcome!r}"]
    if not proxy.garbled and outcome is not None:
        return [f"{where} (sound): {outcome!r}"]
    if outcome and (KEY in outcome or LOGIN in outcome or "Traceback" in outcome):
        return [f"{where} leaks: {outcome!r}"]
    return []


async def run_fresh(tool: Tool, url: str, services: ToolServices) -> None:
    """Run ``tool`` for acme through ``url`` as a fresh process would: it logs in first."""
    ctx = bound("acme", url, services)
    services.odoo_uids.forget((await odoo(ctx)).connection.cache_key)
    await invoke(tool, ctx)
