"""The chat page (``web/``) beside the API: ``/`` and the page's own files, everything else to the API.

The page is static files only (no API route of template.yaml): deployed, it is hosted anywhere and
asks for the API's URL; locally it is served from the API's own origin, so it needs no CORS.
"""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from local.template import ROOT

WEB = ROOT / "web"


class WithWebPage:
    """``GET``/``HEAD`` of ``/`` or of a file in ``web/`` → that file; any other request → ``api``."""

    def __init__(self, api: ASGIApp, directory: Path = WEB) -> None:
        self.api = api
        # The page's files, named once: a path that is not one of them never reaches the disk.
        self.paths = {"/"} | {f"/{file.name}" for file in directory.iterdir() if file.is_file()}
        self.files = StaticFiles(directory=directory, html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"] in self.paths:
            await self.files(scope, receive, send)
            return
        await self.api(scope, receive, send)
