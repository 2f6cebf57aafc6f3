"""What the Odoo tool tests share: the demo ERP on loopback (17.0, and 18.0 as ``erp18``; once per
module), and tool services.

A module sets ``HTTP_TIMEOUT_SECONDS`` to wait less for a server that does not answer; a module that
needs another demo (a module left out, say) defines its own ``erp``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from agent_core import Settings, ToolServices
from local.erp import RunningErp, start_erp
from tests.support.context import tool_services
from tests.support.erp import TODAY

HTTP_TIMEOUT_SECONDS = 5.0


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY) as running:
        yield running


@pytest.fixture(scope="module")
def erp18() -> Iterator[RunningErp]:
    """The demo ERP as Odoo 18.0 answers (company-dependent account codes)."""
    with start_erp(today=TODAY, version="18.0") as running:
        yield running


@pytest.fixture
async def services(request: pytest.FixtureRequest) -> AsyncIterator[ToolServices]:
    timeout = getattr(request.module, "HTTP_TIMEOUT_SECONDS", HTTP_TIMEOUT_SECONDS)
    services = tool_services(Settings(http_timeout_seconds=timeout))
    yield services
    await services.http.aclose()
