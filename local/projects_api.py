"""Serve the demo project API (the SaaS's own REST API) on loopback.

``start_projects_api()`` runs it in a background thread (``make dev``, tests);
``python -m local.projects_api --port 8090`` runs it in the foreground. A tenant is bound to it
with ``projects_url`` set to the server's URL and ``projects_token`` (``token_for(tenant)``) in
the tenant's secret.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time

import uvicorn

from local.projects import ProjectsState, create_app
from local.projects.state import DEMO_TOKENS

HOST = "127.0.0.1"


def tokens() -> dict[str, str]:
    """Each demo tenant's bearer token for the demo API: ``{"acme": ..., "globex": ...}``."""
    return dict(DEMO_TOKENS)


def token_for(tenant_id: str) -> str:
    return DEMO_TOKENS[tenant_id]


class ProjectsApiServer:
    """A running demo API: its :attr:`url`, its in-memory :attr:`state`, and :meth:`stop`."""

    def __init__(self, state: ProjectsState, port: int = 0) -> None:
        self.state = state
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        config = uvicorn.Config(create_app(state), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="projects-api", daemon=True
        )

    def start(self, timeout: float = 10.0) -> ProjectsApiServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the demo project API did not start")
            time.sleep(0.01)
        return self

    def token_for(self, tenant_id: str) -> str:
        return self.state.tokens[tenant_id]

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()


def start_projects_api(port: int = 0, state: ProjectsState | None = None) -> ProjectsApiServer:
    """Start the demo API on 127.0.0.1 (``port=0``: any free port) in a background thread."""
    return ProjectsApiServer(state or ProjectsState(), port).start()


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
