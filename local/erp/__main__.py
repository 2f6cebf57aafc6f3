"""``python -m local.erp --port 8069 --seed 1``: the demo ERP, standalone, on loopback."""

from __future__ import annotations

import argparse
from datetime import date

import uvicorn

from local.erp import DATABASES, DEFAULT_SEED, create_app, credentials


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.erp", description=__doc__)
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another seed, other numbers")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="reference day (YYYY-MM-DD)")
    options = parser.parse_args(argv)
    # Flushed: through a pipe the banner would wait in a buffer, and a SIGTERM would drop it.
    print(
        f"demo ERP (Odoo 17 JSON-RPC) on http://127.0.0.1:{options.port}/jsonrpc, seed {options.seed}",
        flush=True,
    )
    for db in DATABASES:
        login, key = credentials(db)
        print(f"  db {db:<7} login {login:<20} api key {key}", flush=True)
    uvicorn.run(
        create_app(options.seed, options.today), host="127.0.0.1", port=options.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
