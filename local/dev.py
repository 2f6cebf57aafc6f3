"""``make dev``: the whole stack on loopback, no AWS account or model key needed.

moto serves AWS (unless AWS_ENDPOINT_URL points elsewhere), the table is created from
template.yaml, a demo ERP (Odoo JSON-RPC) and a demo project API start beside it, demo tenants
get keys in .local/dev-keys.json, .local/stack.json tells agentctl where all this is, and the
three functions answer on http://127.0.0.1:$PORT behind a gateway that routes as API Gateway does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import uvicorn

from local.template import ROOT

DEFAULT_TABLE = "agent-runtime-local"


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    keys_file = Path(os.environ.get("DEV_KEYS_FILE", ROOT / ".local" / "dev-keys.json"))
    stack_file = Path(os.environ.get("DEV_STACK_FILE", ROOT / ".local" / "stack.json"))
    os.environ.setdefault("TABLE_NAME", DEFAULT_TABLE)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # Operators change tenants with agentctl while this runs: let changes show at once.
    os.environ.setdefault("TENANT_CACHE_SECONDS", "0")
    os.environ.setdefault("SECRET_CACHE_SECONDS", "5")

    from local.aws import ensure_table, start_moto
    from local.erp import start_erp
    from local.projects_api import start_projects_api

    moto = None
    if not os.environ.get("AWS_ENDPOINT_URL"):
        moto = start_moto(int(os.environ["MOTO_PORT"]) if os.environ.get("MOTO_PORT") else None)
    ensure_table(os.environ["TABLE_NAME"])
    erp = start_erp(port=int(os.environ.get("ERP_PORT", "0")))
    projects = start_projects_api(port=int(os.environ.get("PROJECTS_PORT", "0")))

    from agent_core import Runtime
    from local.gateway import build_gateway
    from local.seed import seed

    runtime = Runtime()
    keys = seed(runtime, keys_file, erp_url=erp.url, projects_url=projects.url)
    base = f"http://127.0.0.1:{port}"
    stack_file.parent.mkdir(parents=True, exist_ok=True)
    stack = {
        "endpoint_url": os.environ["AWS_ENDPOINT_URL"],
        "region": runtime.settings.region,
        "table_name": runtime.settings.table_name,
        "secrets_prefix": runtime.settings.secrets_prefix,
        "api_url": base,
        "erp_url": erp.url,
        "projects_url": projects.url,
    }
    stack_file.write_text(json.dumps(stack, indent=2) + "\n")
    gateway = build_gateway()
    print(_banner(stack, keys_file, keys["acme"], runtime.settings.model_name), flush=True)
    try:
        uvicorn.run(gateway, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=75)
    finally:
        stack_file.unlink(missing_ok=True)
        projects.stop()
        erp.stop()
        if moto is not None:
            moto.stop()


def _banner(stack: dict[str, str], keys_file: Path, acme_key: str, model: str) -> str:
    base = stack["api_url"]
    hint = "" if model != "local" else "  (set ANTHROPIC_API_KEY for Claude)"
    return f"""
agent-runtime local stack is ready on {base}
  model:      {model}{hint}
  AWS:        {stack["endpoint_url"]}  (table {stack["table_name"]})
  demo ERP:   {stack["erp_url"]}  (Odoo JSON-RPC; databases acme, globex)
  projects:   {stack["projects_url"]}  (the product's REST API)
  tenants:    acme, globex (all agents, writes in shadow mode); keys in {keys_file}
  agentctl:   ./agentctl --local tenant list

Try it:
  KEY=$(python3 -c 'import json; print(json.load(open("{keys_file}"))["acme"])')
  curl -N -H "X-API-Key: $KEY" -d '{{"message":"who am I? use tenant_info"}}' \\
       {base}/agents/general/chat/stream
  curl -N -H "X-API-Key: $KEY" -d '{{"message":"what is our bank balance?"}}' \\
       {base}/agents/finance/chat/stream
  curl -H "X-API-Key: $KEY" {base}/agents/general/executions
"""


if __name__ == "__main__":
    main()
