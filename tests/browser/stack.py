"""What the page talks to in the browser tests: the local stack (the three functions behind the
gateway, the page beside them, on loopback) with a scripted model the test can hold mid-answer, a
shop agent with a read tool the test can hold mid-call, and a connection that can be cut."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_core import RunContext, Runtime, Settings, SingleModelProvider, Tenant, issue_api_key, tool
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.registry import default_agents
from agent_core.llm.scripted import Step
from agent_core.llm.types import ModelEvent, ModelRequest, TextChunk
from agent_core.tenancy import WriteMode
from agent_core.tools.registry import ToolRegistry
from local.aws import ensure_table
from local.web_page import WithWebPage
from tests.conftest import TABLE
from tests.fakes.scripted_model import ScriptedModel
from tests.support.erp import odoo_secret, odoo_tenant
from tests.support.server import serve
from tests.support.stack import gateway_for

HOLD_LIMIT_SECONDS = 30.0  # a test that fails before releasing a hold must not hang the server


class Hold:
    """A point where the scripted model (or a tool) waits until the test lets it go."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    async def wait(self) -> None:
        self.reached.set()
        for _ in range(int(HOLD_LIMIT_SECONDS / 0.01)):
            if self._released.is_set():
                return
            await asyncio.sleep(0.01)


class HeldModel(ScriptedModel):
    """The scripted model (held to the Messages API's rules) that waits at ``holds[text]`` before
    streaming a text chunk ``text``: what was streamed before it is on the wire, the rest is not."""

    def __init__(self, steps: Iterable[Step], holds: Mapping[str, Hold]) -> None:
        super().__init__(steps)
        self.holds = dict(holds)

    async def stream(self, request: ModelRequest) -> AsyncIterator[ModelEvent]:
        async for event in super().stream(request):
            if isinstance(event, TextChunk) and event.text in self.holds:
                await self.holds[event.text].wait()
            yield event


@dataclass
class Shop:
    """The shop's systems, as one test sees them: the orders placed, and the stock lookup's hold."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    stock_hold: Hold | None = None


SHOP = Shop()


@tool
async def stock(ctx: RunContext, product: str) -> dict[str, Any]:
    """How many of a product are in stock."""
    if SHOP.stock_hold is not None:
        await SHOP.stock_hold.wait()
    return {"product": product, "in_stock": 3}


@tool(read_only=False)
async def place_order(ctx: RunContext, product: str, quantity: int = 1) -> dict[str, Any]:
    """Place an order with the supplier."""
    SHOP.orders.append({"product": product, "quantity": quantity})
    return {"order": product, "quantity": quantity}


SHOP_AGENT = Agent(
    id="shop",
    title="Shop assistant",
    description="Checks stock and orders supplies.",
    prompt="Help.",
    tools=ToolRegistry([stock, place_order]),
)


class CutOnce:
    """Cuts the first chat stream's connection once its body has carried ``marker`` (halfway through
    the chunk that holds it, so a frame arrives incomplete), as a dropped network does: the
    browser's reader fails, while the run goes on as after any client that left. Every other
    request passes untouched."""

    def __init__(self, app: ASGIApp, marker: bytes) -> None:
        self.app = app
        self.marker = marker
        self.done = False
        self._left_running: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.done or scope["type"] != "http" or not scope["path"].endswith("/chat/stream"):
            await self.app(scope, receive, send)
            return
        cut = asyncio.Event()

        async def send_until_cut(message: Message) -> None:
            body = message.get("body", b"")
            if not cut.is_set() and message["type"] == "http.response.body" and self.marker in body:
                await send({**message, "body": body[: len(body) // 2], "more_body": True})
                self.done = True
                cut.set()
            if cut.is_set():
                raise OSError("the connection was cut")  # as writing to a closed socket does
            await send(message)

        async def serve() -> None:
            await self.app(scope, receive, send_until_cut)

        app = asyncio.create_task(serve())
        cutting = asyncio.create_task(cut.wait())
        await asyncio.wait({app, cutting}, return_when=asyncio.FIRST_COMPLETED)
        if not cut.is_set():
            cutting.cancel()
            await app
            return
        # The app goes on without its client; returning with the response unfinished makes uvicorn
        # close the connection (h11_impl.py, run_asgi: "returned without completing response").
        self._left_running.add(app)
        app.add_done_callback(self._forget)

    def _forget(self, app: asyncio.Task[None]) -> None:
        self._left_running.discard(app)
        if not app.cancelled():
            app.exception()  # what it raised writing to the cut connection is expected: retrieved


class Splinter:
    """Sends every chat stream in pieces of ``size`` bytes (splitting lines and UTF-8 characters),
    with a keep-alive comment before each frame, as a slow network and a quiet model would."""

    def __init__(self, app: ASGIApp, size: int = 5) -> None:
        self.app = app
        self.size = size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/stream"):
            await self.app(scope, receive, send)
            return

        async def send_in_pieces(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = b": ping\n\n" + message.get("body", b"")
            for start in range(0, len(body), self.size):
                await send(
                    {"type": "http.response.body", "body": body[start : start + self.size], "more_body": True}
                )
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive, send_in_pieces)


# Who lets a page served from another origin read the API's answers: the deployment
# (``ALLOWED_ORIGINS``), the tenant (its ``allowed_origins``), or no one.
Allower = Literal["deployment", "tenant", "no one"]


@dataclass(frozen=True)
class PageStack:
    url: str
    """The API's base URL."""
    key: str
    runtime: Runtime
    model: HeldModel
    page_url: str
    """Where the page is served from: the API's own origin, or another one."""


@contextmanager
def page_stack(
    steps: Iterable[Step],
    *,
    holds: Mapping[str, Hold] | None = None,
    writes: WriteMode = "shadow",
    cut_at: bytes | None = None,
    splintered: bool = False,
    erp: str | None = None,
    page_elsewhere: Allower | None = None,
) -> Iterator[PageStack]:
    """The page and the API on one loopback origin, for tenant acme (agent ``shop``, ``writes``), whose
    key may chat and write; the model plays ``steps``.

    With ``erp`` (a demo ERP's URL), acme is bound to its database ``acme`` and has the demo agents
    too. With ``page_elsewhere``, the page is served alone from another loopback origin (another
    port), which the deployment, the tenant or no one allows."""
    ensure_table(TABLE)
    with ExitStack() as running:
        page_url = running.enter_context(serve(WithWebPage(NOT_FOUND))) if page_elsewhere else None
        deployment_allows = (page_url,) if page_url and page_elsewhere == "deployment" else ()
        tenant_allows = (page_url,) if page_url and page_elsewhere == "tenant" else ()
        model = HeldModel(steps, holds or {})
        settings = Settings(
            table_name=TABLE, region="us-east-1", model_provider="local", allowed_origins=deployment_allows
        )
        agents = AgentRegistry([SHOP_AGENT, *(default_agents() if erp else ())])
        runtime = Runtime(settings, models=SingleModelProvider(model), agents=agents)
        tenant = Tenant(tenant_id="acme", name="Acme", enabled_agents=("shop",))
        if erp is not None:
            bound = odoo_tenant("acme", erp)
            tenant = bound.model_copy(update={"enabled_agents": ("shop", *bound.enabled_agents)})
            runtime.secrets.put_tenant_secret("acme", odoo_secret("acme"))
        runtime.tenants.put(tenant.model_copy(update={"writes": writes, "allowed_origins": tenant_allows}))
        key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="ada", scopes=("chat", "chat:write"))
        api: ASGIApp = gateway_for(runtime)
        if cut_at is not None:
            api = CutOnce(api, cut_at)
        if splintered:
            api = Splinter(api)
        try:
            url = running.enter_context(serve(WithWebPage(api)))
            yield PageStack(url, key, runtime, model, page_url or url)
        finally:
            for hold in (*(holds or {}).values(), *([SHOP.stock_hold] if SHOP.stock_hold else [])):
                hold.release()


# What the page's own server answers to anything but the page's files.
NOT_FOUND = PlainTextResponse("Not Found", status_code=404)
