"""visit_webpage against pages served on loopback, the addresses it refuses, and the general agent's
web tools as the model is offered them.

Loopback is reachable only where a test says so: with ``web_allow_private_network`` (the
setting tests use), or with a policy that lets exactly the test site's port through, which
leaves every other loopback address refused, so a redirect away from the site is judged anew.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from ipaddress import ip_address
from typing import Any

import httpx
import pytest

from agent_core import RunContext, Settings, ToolError, ToolServices
from agent_core.agents import default_agents
from agent_core.llm.scripted import call, say
from agent_core.llm.types import ToolResultBlock
from agent_core.tools.web import AddressPolicy, WebRules, visit_webpage, web_search
from agent_core.tools.web.rules import FETCH_TIMEOUT_SECONDS, MAX_PAGE_BYTES, MAX_REDIRECTS
from tests.conftest import DemoTenant, RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.context import run_context, tool_services
from tests.support.server import serve
from tests.support.sse import parse
from tests.support.stack import serve_stack
from tests.support.web_dns import StaticResolver
from tests.support.web_site import web_site

pytestmark = pytest.mark.anyio


class Site:
    def __init__(self, base: str, sent: list[int]) -> None:
        self.base = base
        self.port = httpx.URL(base).port or 80
        self._sent = sent

    @property
    def bytes_sent(self) -> int:
        return self._sent[0]


@pytest.fixture
def site() -> Iterator[Site]:
    app = web_site()
    with serve(app) as base:
        yield Site(base, app.state.sent)


def context(services: ToolServices) -> RunContext:
    return run_context(services=services, caller_id="alice")


def private_network_allowed() -> RunContext:
    """What tests that read pages use: the setting that lets loopback and private addresses through."""
    return context(tool_services(Settings(web_allow_private_network=True)))


def only_the_site(site: Site, **limits: Any) -> RunContext:
    """Public addresses plus the test site's one loopback port; every other loopback port is refused."""
    policy = AddressPolicy(allow_endpoints=frozenset({(ip_address("127.0.0.1"), site.port)}))
    return context(tool_services(web_rules=replace(WebRules(policy=policy), **limits)))


async def visit(ctx: RunContext, url: str) -> str:
    return await visit_webpage.invoke(ctx, {"url": url})


def text_of(page: str) -> str:
    """What follows the URL, title and type lines."""
    return page.partition("\n\n")[2]


async def refusal(ctx: RunContext, url: str) -> str:
    with pytest.raises(ToolError) as caught:
        await visit(ctx, url)
    return caught.value.message


# Reading pages


async def test_html_comes_back_as_markdown_without_scripts_styles_or_navigation(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/article")

    header, _, body = page.partition("\n\n")
    assert header.splitlines() == [
        f"URL: {site.base}/article",
        "Title: Tide tables | Harbour Office",
        "Content-Type: text/html",
    ]
    assert "# Tide tables" in body
    assert "High water at **06:42** and *19:05*, Dover." in body
    assert "- Spring tides: 6.8 m\n- Neap tides: 4.1 m" in body
    assert "[almanac](https://example.org/almanac)" in body
    for noise in ("tracking pixel", "never seen", "color: red", "About us"):
        assert noise not in page


async def test_a_long_html_page_is_converted_only_as_far_as_the_model_reads(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/long-article")

    text = text_of(page)
    assert text.startswith("Paragraph 1: the tide turns")
    assert "Paragraph 200:" in text and "Paragraph 3000:" not in text
    assert "not content" not in text and "padding" not in text
    assert text.endswith("\n\n[Cut: showing the first 20,000 characters; the page goes on.]")


async def test_plain_text_comes_back_as_it_is(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/plain")

    assert page.endswith("\n\nLine one.\n  Line two, indented *as is*.")
    assert "Content-Type: text/plain" in page


async def test_json_comes_back_pretty_printed(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/data.json")

    assert page.endswith('{\n  "port": "Dover",\n  "tides": [\n    6.8,\n    4.1\n  ]\n}')


async def test_a_gzip_compressed_page_is_read_decompressed(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/gzipped")

    assert page.endswith("\n\nCompressed, then read.")


async def test_a_page_is_decoded_by_the_charset_it_declares(site: Site) -> None:
    page = await visit(private_network_allowed(), site.base + "/latin1")

    assert text_of(page) == "Café crème"


async def test_a_utf_8_page_cut_inside_a_character_is_still_read_as_utf_8(site: Site) -> None:
    page = await visit(only_the_site(site, max_bytes=1001), site.base + "/accents")

    assert text_of(page).startswith("é" * 500 + "\ufffd\n\n[The page is larger than 1,001 bytes")


async def test_binary_files_and_error_statuses_are_errors_the_model_reads(site: Site) -> None:
    ctx = private_network_allowed()

    assert await refusal(ctx, site.base + "/image.png") == (
        f"refused: {site.base}/image.png is image/png, not a readable page"
    )
    assert await refusal(ctx, site.base + "/missing") == f"{site.base}/missing answered HTTP 404"


async def test_a_server_that_is_not_there_is_an_error_the_model_reads() -> None:
    with serve(web_site()) as gone:
        pass  # the server has stopped: its port now refuses connections

    message = await refusal(private_network_allowed(), gone + "/plain")

    assert message.startswith("could not connect to 127.0.0.1: ")


# Limits


async def test_a_page_over_1_mb_is_cut_at_1_mb_and_the_rest_is_never_downloaded(site: Site) -> None:
    assert MAX_PAGE_BYTES == 1_000_000 and tool_services().web_rules.max_bytes == MAX_PAGE_BYTES
    size = 50_000_000

    page = await visit(private_network_allowed(), f"{site.base}/big?size={size}")

    assert "[The page is larger than 1 MB; only that much was read.]" in page
    assert "[Cut: showing the first 20,000 of 1,000,000 characters.]" in page
    assert text_of(page).count("x") == 20_000
    assert site.bytes_sent < size / 2  # the server was stopped, not drained


async def test_a_page_of_exactly_the_cap_is_whole_and_one_byte_more_is_cut(site: Site) -> None:
    ctx = only_the_site(site, max_bytes=1000)

    whole = await visit(ctx, f"{site.base}/big?size=1000")
    cut = await visit(ctx, f"{site.base}/big?size=1001")

    assert text_of(whole) == "x" * 1000
    assert (
        text_of(cut).startswith("x" * 1000 + "\n\n")
        and "[The page is larger than 1,000 bytes; only that much was read.]" in cut
    )


@pytest.mark.parametrize("path", ["/trickle", "/stall"])
async def test_a_visit_is_stopped_at_its_deadline_even_while_bytes_keep_coming(site: Site, path: str) -> None:
    assert FETCH_TIMEOUT_SECONDS == 10.0
    ctx = only_the_site(site, timeout_seconds=0.3)

    started = time.monotonic()
    message = await refusal(ctx, site.base + path)

    assert message == f"{site.base}{path} did not load within 0.3 s"
    assert time.monotonic() - started < 3


async def test_up_to_five_redirects_are_followed_and_a_sixth_is_refused(site: Site) -> None:
    assert MAX_REDIRECTS == 5
    ctx = private_network_allowed()

    arrived = await visit(ctx, site.base + "/hops/5")
    message = await refusal(ctx, site.base + "/hops/6")

    assert arrived.startswith(f"URL: {site.base}/hops/0\n") and arrived.endswith("\n\narrived")
    assert message == f"refused: {site.base}/hops/1 redirects again after 5 redirects"


# Refusals


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://169.254.169.254/", "refused: 169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/", "refused: fd00:ec2::254 is a cloud metadata address"),
        ("http://metadata.google.internal/", "refused: metadata.google.internal is a cloud metadata host"),
        ("http://2852039166/", "refused: 2852039166 resolves to 169.254.169.254, a cloud metadata address"),
        ("http://[::ffff:169.254.169.254]/", "refused: ::ffff:a9fe:a9fe is a cloud metadata address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "refused: 64:ff9b::a9fe:a9fe is a cloud metadata address"),
        ("http://localhost/", "refused: localhost resolves to 127.0.0.1, a loopback address"),
        ("http://[::1]/", "refused: ::1 is a loopback address"),
        ("http://127.8.9.10:8080/", "refused: 127.8.9.10 is a loopback address"),
        ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
        ("http://192.168.1.1/", "refused: 192.168.1.1 is a private address"),
        ("http://100.64.0.1/", "refused: 100.64.0.1 is a private address"),
        ("http://[fd12:3456::1]/", "refused: fd12:3456::1 is a private address"),
        ("http://[::ffff:10.0.0.1]/", "refused: ::ffff:a00:1 is a private address"),
        ("http://169.254.1.1/", "refused: 169.254.1.1 is a link-local address"),
        ("http://[fe80::1]/", "refused: fe80::1 is a link-local address"),
        ("http://0.0.0.0/", "refused: 0.0.0.0 is an unspecified address"),
        ("http://224.0.0.1/", "refused: 224.0.0.1 is a multicast address"),
        ("http://240.0.0.1/", "refused: 240.0.0.1 is a reserved address"),
        ("file:///etc/passwd", "refused: file: is not allowed; only http and https pages can be visited"),
        (
            "ftp://ftp.example.com/pub/",
            "refused: ftp: is not allowed; only http and https pages can be visited",
        ),
        ("http://example.com:99999/", "not a valid URL (port 99999): http://example.com:99999/"),
        ("http://[::1/", "not a valid URL: http://[::1/"),
        (
            "example.com/page",
            "refused: a relative URL is not allowed; only http and https pages can be visited",
        ),
    ],
)
async def test_addresses_off_the_public_internet_are_refused_by_default(url: str, expected: str) -> None:
    assert await refusal(context(tool_services()), url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "refused: fd00:ec2::254 is a cloud metadata address"),
        ("http://100.100.100.200/", "refused: 100.100.100.200 is a cloud metadata address"),
        ("http://metadata.google.internal/", "refused: metadata.google.internal is a cloud metadata host"),
        ("http://169.254.1.1/", "refused: 169.254.1.1 is a link-local address"),
    ],
)
async def test_allowing_private_networks_still_refuses_cloud_metadata(
    site: Site, url: str, expected: str
) -> None:
    ctx = private_network_allowed()

    assert await refusal(ctx, url) == expected
    assert (await visit(ctx, site.base + "/plain")).endswith("indented *as is*.")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a cloud metadata address"),
        ("http://localhost/", "refused: localhost resolves to 127.0.0.1, a loopback address"),
        ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
        ("http://[::1]/", "refused: ::1 is a loopback address"),
        ("file:///etc/passwd", "refused: file: is not allowed; only http and https pages can be visited"),
        ("http://[::1", "not a valid URL: http://[::1"),
    ],
)
async def test_a_redirect_is_judged_again_where_it_leads(site: Site, target: str, expected: str) -> None:
    ctx = only_the_site(site)
    followed = await visit(ctx, f"{site.base}/redirect?to=/plain")  # the site itself is allowed

    message = await refusal(ctx, f"{site.base}/redirect?to={target}")

    assert followed.startswith(f"URL: {site.base}/plain\n")
    assert message == expected


async def test_a_redirect_to_cloud_metadata_is_refused_even_with_private_networks_allowed(site: Site) -> None:
    message = await refusal(
        private_network_allowed(), f"{site.base}/redirect?to=http://169.254.169.254/latest/meta-data/"
    )

    assert message == "refused: 169.254.169.254 is a cloud metadata address"


async def test_every_address_a_name_resolves_to_must_be_allowed(site: Site) -> None:
    dns = StaticResolver({"mixed.test": [["127.0.0.1", "10.0.0.1"]]})
    ctx = only_the_site(site, resolver=dns)

    message = await refusal(ctx, f"http://mixed.test:{site.port}/plain")

    assert message == "refused: mixed.test resolves to 10.0.0.1, a private address"


async def test_the_address_vetted_is_the_address_connected_to_and_each_visit_vets_again(site: Site) -> None:
    # A rebinding DNS: the first answer is the allowed site, every later one a private address.
    dns = StaticResolver({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
    ctx = only_the_site(site, resolver=dns)

    page = await visit(ctx, f"http://rebind.test:{site.port}/plain")
    assert page.endswith("indented *as is*.")
    assert dns.lookups == ["rebind.test"]  # resolved once, and that answer was used to connect

    message = await refusal(ctx, f"http://rebind.test:{site.port}/plain")
    assert message == "refused: rebind.test resolves to 10.0.0.1, a private address"


async def test_a_metadata_host_name_is_refused_without_a_dns_lookup() -> None:
    dns = StaticResolver({"metadata.google.internal": [["8.8.8.8"]]})
    services = tool_services(web_rules=WebRules(resolver=dns))

    message = await refusal(context(services), "http://Metadata.Google.Internal./computeMetadata/v1/")

    assert message == "refused: metadata.google.internal. is a cloud metadata host"
    assert dns.lookups == []


def test_no_policy_can_allow_cloud_metadata() -> None:
    with pytest.raises(ValueError, match="cloud metadata"):
        AddressPolicy(allow=frozenset({"cloud metadata"}))
    with pytest.raises(ValueError, match="cloud metadata"):
        AddressPolicy(allow_endpoints=frozenset({(ip_address("169.254.169.254"), 80)}))


# The general agent


def test_the_general_agent_offers_its_read_only_web_tools_with_their_limits_in_their_docs() -> None:
    general = default_agents().get("general")
    assert general is not None
    assert general.tools.names == ["tenant_info", "web_search", "visit_webpage"]
    assert all(tool.read_only for tool in general.tools)
    description = visit_webpage.description
    assert "1 MB" in description and "10 seconds" in description and "5 redirects" in description
    assert f"{WebRules().max_chars:,} characters" in description
    assert visit_webpage.spec.input_schema["required"] == ["url"]
    assert web_search.spec.input_schema["required"] == ["query"]


def test_a_refused_visit_reaches_the_model_as_a_tool_error_and_the_turn_completes(
    make_runtime: RuntimeFactory, tenants: dict[str, DemoTenant]
) -> None:
    model = ScriptedModel(
        [
            call("visit_webpage", {"url": "http://169.254.169.254/"}, call_id="call_meta"),
            say("I cannot read that address: it is refused."),
        ]
    )
    runtime = make_runtime(model)
    with serve_stack(runtime) as base:
        response = httpx.post(
            base + "/agents/general/chat/stream",
            json={"message": "Read http://169.254.169.254/ for me."},
            headers=tenants["acme"].headers,
            timeout=30,
        )

    frames = parse(response.text)
    assert [frame.event for frame in frames] == [
        "run_started",
        "tool_call",
        "tool_result",
        "text_delta",
        "done",
    ]
    assert frames[2].data["tool"] == "visit_webpage" and frames[2].data["ok"] is False
    assert (frames[-1].data["status"], frames[-1].data["stop_reason"]) == ("completed", "end_turn")
    [result] = model.requests[1].messages[-1].content
    assert isinstance(result, ToolResultBlock) and result.is_error
    assert result.content == "refused: 169.254.169.254 is a cloud metadata address"
