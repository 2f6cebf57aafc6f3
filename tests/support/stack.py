"""The three function apps behind the local gateway, for one runtime, served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from agent_core import Runtime
from local.functions import load_function
from local.gateway import Gateway
from local.template import api_routes
from tests.support.server import serve


def gateway_for(runtime: Runtime) -> Gateway:
    apps = {name: load_function(name).create_app(runtime) for name in ("chat", "executions", "health")}
    return Gateway(api_routes(), apps)


@contextmanager
def serve_stack(runtime: Runtime) -> Iterator[str]:
    """Base URL of every route of template.yaml, answered by ``runtime``."""
    with serve(gateway_for(runtime)) as base_url:
        yield base_url
