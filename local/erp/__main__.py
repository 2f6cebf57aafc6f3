"""``python -m local.erp --port 8069 --seed 1``: the demo ERP, standalone, on loopback."""

from __future__ import annotations

import argparse
from datetime import date

import uvicorn

from local.erp import DATABASES, DEFAULT_SEED, create_app, credentials, restricted_credentials
from local.erp.dataset import VERSIONS
from local.erp.rpc import MODULE_MODELS


def _without(value: str) -> tuple[str, str]:
    """``DB:MODULE`` (``globex:mass_mailing``): a module that database has not installed."""
    db, sep, module = value.partition(":")
    if not sep or db not in DATABASES or module not in MODULE_MODELS:
        raise argparse.ArgumentTypeError(
            f"want DB:MODULE with DB one of {', '.join(DATABASES)} "
            f"and MODULE one of {', '.join(MODULE_MODELS)}"
        )
    return db, module


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.erp", description=__doc__)
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another seed, other numbers")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="reference day (YYYY-MM-DD)")
    parser.add_argument("--version", choices=VERSIONS, default="17.0", help="the Odoo version it answers as")
    parser.add_argument(
        "--without",
        type=_without,
        action="append",
        default=[],
        metavar="DB:MODULE",
        help="leave a module out of a database (repeatable), e.g. globex:mass_mailing",
    )
    options = parser.parse_args(argv)
    uninstalled: dict[str, set[str]] = {}
    for db, module in options.without:
        uninstalled.setdefault(db, set()).add(module)
    try:
        app = create_app(options.seed, options.today, version=options.version, uninstalled=uninstalled)
    except ValueError as exc:  # a module other models point to cannot be left out
        parser.error(str(exc))
    # Flushed: through a pipe the banner would wait in a buffer, and a SIGTERM would drop it.
    print(
        f"demo ERP (Odoo {options.version} JSON-RPC) on http://127.0.0.1:{options.port}/jsonrpc, "
        f"seed {options.seed}",
        flush=True,
    )
    for db in DATABASES:
        login, key = credentials(db)
        print(f"  db {db:<7} login {login:<26} api key {key}", flush=True)
        login, key = restricted_credentials(db)
        print(f"  db {db:<7} login {login:<26} api key {key} (sales only)", flush=True)
        if db in uninstalled:
            print(f"  db {db:<7} without {', '.join(sorted(uninstalled[db]))}", flush=True)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=options.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
