"""``python -m bench``: run the measurements, print tables, write ``bench/results/latest.json``."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cold_start, round_trips, tokens, versus_bare

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
MEASUREMENTS = ("cold_start", "bytecode", "round_trips", "tokens", "versus_bare")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=5, help="cold start runs per function (median; default 5)"
    )
    parser.add_argument("--turns", type=int, default=20, help="warm turns timed (median; default 20)")
    parser.add_argument("--only", choices=MEASUREMENTS, action="append", help="run only this (repeatable)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.turns < 1:
        parser.error("--runs and --turns must be at least 1")

    plans: dict[str, tuple[Callable[[], Any], Callable[[Any], str]]] = {
        "cold_start": (lambda: cold_start.measure(args.runs), cold_start.render),
        "bytecode": (lambda: cold_start.measure_bytecode(args.runs), cold_start.render_bytecode),
        "round_trips": (lambda: round_trips.measure(args.turns), round_trips.render),
        "tokens": (tokens.measure, tokens.render),
        "versus_bare": (lambda: versus_bare.measure(args.turns), versus_bare.render),
    }
    results: dict[str, Any] = {
        "meta": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}",
            "runs": args.runs,
            "turns": args.turns,
        }
    }
    for name in args.only or MEASUREMENTS:
        measure, render = plans[name]
        results[name] = measure()
        print(render(results[name]), end="\n\n", flush=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")
    failed = [r["case"] for r in results.get("cold_start", []) if not r["ok"]]
    if failed:
        print(f"anthropic was imported by: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
