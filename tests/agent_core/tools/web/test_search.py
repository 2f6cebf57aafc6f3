"""The general agent's web search against a loopback stand-in for DuckDuckGo's HTML endpoint: its
results, an empty page, the engine's refusals, and result pages too big to read whole.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import anyio
import anyio.to_thread
import pytest

from agent_core import RunContext, Settings, ToolError, ToolServices
from agent_core.tools.web import web_search
from agent_core.tools.web.search import MAX_RESULT_PAGE_BYTES
from tests.support.context import run_context, tool_services
from tests.support.server import serve
from tests.support.web_duckduckgo import HUGE_PAGE_BYTES, FakeDuckDuckGo, Hit
from tests.support.web_site import web_site

pytestmark = pytest.mark.anyio


def context(services: ToolServices) -> RunContext:
    return run_context(services=services, caller_id="alice")


HITS = [
    Hit(
        "Dover <b>tide</b> times",
        "https://tides.example.org/dover?days=7&units=metric",
        "High and low water for <b>Dover</b>, next 7 days.",
    ),
    Hit("Gezeiten in Dover", "https://de.example.org/gezeiten/über", "Gezeitentabelle für Dover."),
    Hit("Admiralty EasyTide", "https://easytide.example.com/", "Tidal predictions worldwide."),
]


@pytest.fixture
def duckduckgo() -> Iterator[tuple[FakeDuckDuckGo, str]]:
    fake = FakeDuckDuckGo(HITS)
    with serve(fake.app()) as base:
        yield fake, base + "/html/"


def search_context(search_url: str, **environ: str) -> RunContext:
    """A run whose settings come from the environment, as in a deployment: WEB_SEARCH_URL set."""
    return context(tool_services(Settings.from_env({"WEB_SEARCH_URL": search_url, **environ})))


async def test_web_search_returns_unwrapped_results_without_ads(
    duckduckgo: tuple[FakeDuckDuckGo, str],
) -> None:
    fake, url = duckduckgo

    found = await web_search.invoke(search_context(url), {"query": "tide times dover", "max_results": 2})

    assert fake.queries == ["tide times dover"]
    assert found == (
        '[{"title":"Dover tide times","url":"https://tides.example.org/dover?days=7&units=metric",'
        '"snippet":"High and low water for Dover, next 7 days."},'
        '{"title":"Gezeiten in Dover","url":"https://de.example.org/gezeiten/über",'
        '"snippet":"Gezeitentabelle für Dover."}]'
    )


async def test_web_search_with_no_results_says_so(duckduckgo: tuple[FakeDuckDuckGo, str]) -> None:
    fake, url = duckduckgo
    fake.mode = "empty"

    found = await web_search.invoke(search_context(url), {"query": "qwxzv tide"})

    assert found == '[]\nNo results for "qwxzv tide". Try fewer or different words.'


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            "anomaly",
            "the search engine asked for a captcha (it suspects automated traffic); "
            "try again in a while, or answer without searching",
        ),
        ("unavailable", "the search engine answered HTTP 503; try again shortly"),
    ],
)
async def test_web_search_failures_are_errors_the_model_reads(
    duckduckgo: tuple[FakeDuckDuckGo, str], mode: str, expected: str
) -> None:
    fake, url = duckduckgo
    fake.mode = mode

    with pytest.raises(ToolError) as caught:
        await web_search.invoke(search_context(url), {"query": "tides"})

    assert caught.value.message == expected


async def test_web_search_that_cannot_connect_or_times_out_is_an_error_the_model_reads(
    duckduckgo: tuple[FakeDuckDuckGo, str],
) -> None:
    fake, url = duckduckgo
    fake.mode = "slow"
    with serve(web_site()) as closed_base:
        pass  # the server is gone: its port now refuses connections

    with pytest.raises(ToolError) as unreachable:
        await web_search.invoke(search_context(closed_base + "/html/"), {"query": "tides"})
    with pytest.raises(ToolError) as slow:
        await web_search.invoke(search_context(url, HTTP_TIMEOUT_SECONDS="0.2"), {"query": "tides"})

    assert unreachable.value.message == "the search engine could not be reached (ConnectError)"
    assert slow.value.message == "the search engine did not answer in time; try again shortly"


async def test_a_huge_result_page_is_read_only_up_to_2_mb_and_parsed_off_the_event_loop(
    duckduckgo: tuple[FakeDuckDuckGo, str],
) -> None:
    # Given a search endpoint that follows its results with 20 MB of markup
    fake, url = duckduckgo
    fake.mode = "huge"
    searching = True
    ticks_while_a_worker_thread_ran = 0

    async def other_requests() -> None:
        # Stands for every other stream of the process: it must keep running during the parse.
        nonlocal ticks_while_a_worker_thread_ran
        while searching:
            if anyio.to_thread.current_default_thread_limiter().borrowed_tokens:
                ticks_while_a_worker_thread_ran += 1
            await asyncio.sleep(0)

    # When the model searches
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(other_requests)
        found = await web_search.invoke(search_context(url), {"query": "tides", "max_results": 3})
        searching = False

    # Then it gets the results from the top of the page, reading stopped near 2 MB,
    # and the event loop kept serving others while the page was parsed in a worker thread
    assert [hit["url"] for hit in json.loads(found)] == [hit.url for hit in HITS]
    assert MAX_RESULT_PAGE_BYTES == 2_000_000
    assert fake.bytes_sent < HUGE_PAGE_BYTES / 2  # the server was stopped, not drained
    assert ticks_while_a_worker_thread_ran > 0


async def test_a_huge_result_page_without_results_at_its_top_is_an_error_the_model_reads(
    duckduckgo: tuple[FakeDuckDuckGo, str],
) -> None:
    fake, url = duckduckgo
    fake.mode, fake.hits = "huge", []

    with pytest.raises(ToolError) as caught:
        await web_search.invoke(search_context(url), {"query": "tides"})

    assert caught.value.message == (
        "the search engine sent a result page of over 2 MB without results at its top; "
        "try again later, or answer without searching"
    )
