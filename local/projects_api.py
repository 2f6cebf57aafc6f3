"""Serve the demo project API (the SaaS's own REST API) on loopback.

``start_projects_api()`` runs it in a background thread (``make dev``, tests);
``python -m local.projects_api --port 8090`` runs it in the foreground. A tenant is bound to it
with ``projects_url`` set to the server's URL and ``projects_token`` (``token_for(tenant)``) in
the tenant's secret.
"""

from __future__ import annotations

import argparse

import uvicorn

from local.projects import ProjectsState, create_app
from local.projects.state import DEMO_TOKENS
from local.serving import HOST, BackgroundServer


def tokens() -> dict[str, str]:
    """Each demo tenant's bearer token for the demo API: ``{"acme": ..., "globex": ...}``."""
    return dict(DEMO_TOKENS)


def token_for(tenant_id: str) -> str:
    return DEMO_TOKENS[tenant_id]


class ProjectsApiServer(BackgroundServer):
    """A running demo API: its :attr:`url`, its in-memory :attr:`state`, and :meth:`stop`."""

    def __init__(self, state: ProjectsState, port: int = 0) -> None:
        super().__init__(create_app(state), port=port, name="the demo project API")
        self.state = state

    def token_for(self, tenant_id: str) -> str:
        return self.state.tokens[tenant_id]


def start_projects_api(port: int = 0, state: ProjectsState | None = None) -> ProjectsApiServer:
    """Start the demo API on 127.0.0.1 (``port=0``: any free port) in a background thread."""
    server = ProjectsApiServer(state or ProjectsState(), port)
    server.start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m local.projects_api", description="Serve the demo project API on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=8090)
    port = parser.parse_args(argv).port
    print(f"demo project API on http://{HOST}:{port}", flush=True)
    for tenant, token in tokens().items():
        print(f"  {tenant}: Authorization: Bearer {token}", flush=True)
    uvicorn.run(create_app(ProjectsState()), host=HOST, port=port, log_level="warning")


if __name__ == "__main__":
    main()
