"""``make dev``: the whole stack on loopback, no AWS account or model key needed.

moto serves AWS (unless AWS_ENDPOINT_URL points elsewhere), the table is created from
template.yaml, demo tenants get keys in .local/dev-keys.json, and the three functions answer on
http://127.0.0.1:$PORT behind a gateway that routes as API Gateway does.
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from local.template import ROOT

DEFAULT_TABLE = "agent-runtime-local"


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    keys_file = Path(os.environ.get("DEV_KEYS_FILE", ROOT / ".local" / "dev-keys.json"))
    os.environ.setdefault("TABLE_NAME", DEFAULT_TABLE)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    from local.aws import ensure_table, start_moto

    moto = None
    if not os.environ.get("AWS_ENDPOINT_URL"):
        moto = start_moto(int(os.environ["MOTO_PORT"]) if os.environ.get("MOTO_PORT") else None)
    ensure_table(os.environ["TABLE_NAME"])

    from agent_core import Runtime
    from local.gateway import build_gateway
    from local.seed import seed

    runtime = Runtime()
    keys = seed(runtime, keys_file)
    gateway = build_gateway()
    model = runtime.settings.model_name
    print(_banner(port, keys_file, keys["acme"], model, os.environ["AWS_ENDPOINT_URL"]), flush=True)
    try:
        uvicorn.run(gateway, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=75)
    finally:
        if moto is not None:
            moto.stop()


def _banner(port: int, keys_file: Path, acme_key: str, model: str, endpoint: str) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""
agent-runtime local stack is ready on {base}
  model:      {model}{"" if model != "local" else "  (set ANTHROPIC_API_KEY for Claude)"}
  AWS:        {endpoint}
  tenants:    acme, globex; keys in {keys_file}

Try it:
  KEY=$(python3 -c 'import json; print(json.load(open("{keys_file}"))["acme"])')
  curl -N -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \\
       -d '{{"message":"who am I? use tenant_info"}}' {base}/agents/general/chat/stream
  curl -H "X-API-Key: $KEY" {base}/agents/general/executions
"""


if __name__ == "__main__":
    main()
