"""The demo ERP over HTTP: ``POST /jsonrpc`` as Odoo answers it, served by uvicorn on loopback."""

from __future__ import annotations

import json
import traceback
from collections import Counter
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from local.erp.dataset import DEFAULT_SEED
from local.erp.errors import wire_name
from local.erp.rpc import Erp
from local.serving import BackgroundServer


def create_app(seed: int = DEFAULT_SEED, today: date | None = None, *, version: str = "17.0") -> Starlette:
    """An ASGI app serving every demo database; ``app.state.erp`` is its :class:`Erp` (``version``:
    the Odoo series its databases imitate, see :func:`local.erp.dataset.dataset`)."""
    erp = Erp(seed, today, version=version)

    async def jsonrpc(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
            call_id, params = body.get("id"), body.get("params") or {}
            args = list(params.get("args") or [])
        except (ValueError, AttributeError, TypeError) as exc:
            return JSONResponse(odoo_error(None, exc), status_code=400)
        try:
            result = erp.dispatch(params.get("service"), params.get("method"), args)
        except Exception as exc:
            return JSONResponse(odoo_error(call_id, exc))
        return JSONResponse({"jsonrpc": "2.0", "id": call_id, "result": result})

    app = Starlette(routes=[Route("/jsonrpc", jsonrpc, methods=["POST"])])
    app.state.erp = erp
    return app


def odoo_error(call_id: Any, exc: BaseException) -> dict[str, Any]:
    """The JSON-RPC error body Odoo 17 sends for an exception raised by a call."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return {
        "jsonrpc": "2.0",
        "id": call_id,
        "error": {
            "code": 200,
            "message": "Odoo Server Error",
            "data": {
                "name": wire_name(exc),
                "debug": "".join(traceback.format_exception(exc)),
                "message": message,
                "arguments": [message],
                "context": {},
            },
        },
    }


class RunningErp(BackgroundServer):
    """A demo ERP serving on loopback; ``url`` is its base URL (``url + "/jsonrpc"`` is the endpoint)."""

    @property
    def erp(self) -> Erp:
        erp: Erp = self.app.state.erp
        return erp

    @property
    def calls(self) -> Counter[str]:
        """How many times each ``service.method`` and each ``model.method`` was called."""
        return self.erp.calls

    def __enter__(self) -> RunningErp:
        return self


def start_erp(
    port: int = 0, seed: int = DEFAULT_SEED, today: date | None = None, *, version: str = "17.0"
) -> RunningErp:
    """Serve the demo ERP on ``127.0.0.1:port`` (0: any free port) in a background thread."""
    server = RunningErp(create_app(seed, today, version=version), port=port, name="demo ERP")
    server.start()
    return server
