"""``make dev``: the whole stack on loopback, no AWS account or model key needed.

moto serves AWS (unless AWS_ENDPOINT_URL points elsewhere), the table is created from
template.yaml, a demo ERP (Odoo JSON-RPC) and a demo project API start beside it, demo tenants
get keys in .local/dev-keys.json, .local/stack.json tells agentctl where all this is, and the
three functions answer on http://127.0.0.1:$PORT behind a gateway that routes as API Gateway does,
with the chat page (web/) at / on the same origin.

What is changed in the local AWS is kept in .local/ (see :mod:`local.state`): stopping and
starting again, even after a ``kill -9``, keeps tenants, keys, secrets, sessions and audit.
``make dev-reset`` (``python -m local.dev --fresh``) forgets it all and starts afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import NoReturn

import uvicorn

from local.aws_journal import JournalError
from local.aws_restore import RestoreError
from local.ports import PortError, claiming, port_from
from local.state import LocalState, StackRunning

DEFAULT_TABLE = "agent-runtime-local"
DEFAULT_PORT = 3000
LOCAL_AUDIT_BUCKET = "agent-runtime-audit-local"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.dev", description="The local stack (make dev).")
    parser.add_argument("--fresh", action="store_true", help="forget the local state first (make dev-reset)")
    options = parser.parse_args(argv)
    state = LocalState.from_environ(os.environ)
    try:
        with state.held():
            if options.fresh:
                state.forget()
                print(f"Forgot the local stack's state in {state.root}.", flush=True)
            _serve(state)
    except (PortError, StackRunning) as exc:
        _fail(str(exc))
    except (JournalError, RestoreError) as exc:
        _fail(f"{exc}; `make dev-reset` starts afresh (it forgets the local state)")


def _fail(message: str) -> NoReturn:
    print(f"make dev: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _serve(state: LocalState) -> None:
    port = port_from(os.environ, "PORT", DEFAULT_PORT)
    os.environ.setdefault("TABLE_NAME", DEFAULT_TABLE)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # Operators change tenants with agentctl while this runs: let changes show at once.
    os.environ.setdefault("TENANT_CACHE_SECONDS", "0")
    os.environ.setdefault("SWITCH_CACHE_SECONDS", "0")
    os.environ.setdefault("SECRET_CACHE_SECONDS", "5")

    from local.aws import ensure_bucket, ensure_table, start_moto
    from local.demo_servers import follow_moved_servers, start_demo_servers

    gateway_socket = _bind(port)  # first: a taken port fails before anything else starts
    moto = servers = None
    try:
        if not os.environ.get("AWS_ENDPOINT_URL"):
            moto_port = port_from(os.environ, "MOTO_PORT", 0)
            started = time.monotonic()
            with claiming(moto_port, "moto, the local AWS", "MOTO_PORT"):
                moto = start_moto(moto_port, state.journal)
            if moto.replayed.requests:
                print(
                    f"Restored {moto.replayed.requests} changes to the local AWS from "
                    f"{_shown(state.journal)} in {time.monotonic() - started:.1f} s.",
                    flush=True,
                )
        ensure_table(os.environ["TABLE_NAME"])
        # Where `./agentctl --local export` writes the audit export (the deployed stack's AuditBucket).
        os.environ.setdefault("AUDIT_BUCKET", LOCAL_AUDIT_BUCKET)
        ensure_bucket(os.environ["AUDIT_BUCKET"])
        servers = start_demo_servers(os.environ)

        from agent_core import Runtime
        from local.gateway import build_gateway
        from local.seed import seed
        from local.web_page import WithWebPage

        runtime = Runtime()
        moved = follow_moved_servers(runtime, state.servers_file, servers.urls)
        if moved:
            print(f"Re-bound {', '.join(moved)} to the demo servers' new ports.", flush=True)
        seed(runtime, state.keys_file, **servers.urls)
        stack = {
            "endpoint_url": os.environ["AWS_ENDPOINT_URL"],
            "region": runtime.settings.region,
            "table_name": runtime.settings.table_name,
            "secrets_prefix": runtime.settings.secrets_prefix,
            "api_url": f"http://127.0.0.1:{port}",
            "audit_bucket": os.environ["AUDIT_BUCKET"],
            **servers.urls,
        }
        state.stack_file.write_text(json.dumps(stack, indent=2) + "\n")
        gateway = WithWebPage(build_gateway())
        print(_banner(stack, state, runtime.settings.model_name), flush=True)
        config = uvicorn.Config(gateway, log_level="warning", timeout_keep_alive=75)
        uvicorn.Server(config).run(sockets=[gateway_socket])
    finally:
        state.stack_file.unlink(missing_ok=True)
        if servers is not None:
            servers.stop()
        if moto is not None:
            moto.stop()
        gateway_socket.close()


def _bind(port: int) -> socket.socket:
    # IPPROTO_TCP named: asyncio turns Nagle off (TCP_NODELAY) only on connections whose socket
    # says TCP (CPython asyncio/base_events.py, _set_nodelay); otherwise every small write after
    # the first (a response body, an SSE frame) waits ~40 ms for the client's delayed ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        with claiming(port, "the API", "PORT"):
            listener.bind(("127.0.0.1", port))
    except BaseException:
        listener.close()
        raise
    return listener


def _banner(stack: dict[str, str], state: LocalState, model: str) -> str:
    base = stack["api_url"]
    keys_file = _shown(state.keys_file)
    hint = "" if model != "local" else "  (set ANTHROPIC_API_KEY for Claude)"
    return f"""
agent-runtime local stack is ready on {base}
  chat page:  {base}/  (paste a demo key from {keys_file})
  model:      {model}{hint}
  AWS:        {stack["endpoint_url"]}  (table {stack["table_name"]})
  demo ERP:   {stack["erp_url"]}  (Odoo JSON-RPC; databases acme, globex)
  projects:   {stack["projects_url"]}  (the product's REST API)
  tenants:    acme, globex (all agents, writes in shadow mode); keys in {keys_file}
  state:      {_shown(state.root)}/ is kept across restarts; `make dev-reset` starts afresh
  agentctl:   ./agentctl --local tenant list

Try it:
  KEY=$(python3 -c 'import json; print(json.load(open("{keys_file}"))["acme"])')
  curl -N -H "X-API-Key: $KEY" -d '{{"message":"who am I? use tenant_info"}}' \\
       {base}/agents/general/chat/stream
  curl -N -H "X-API-Key: $KEY" -d '{{"message":"what is our bank balance?"}}' \\
       {base}/agents/finance/chat/stream
  curl -H "X-API-Key: $KEY" {base}/agents/general/executions
"""


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it (as the README writes it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    main()
