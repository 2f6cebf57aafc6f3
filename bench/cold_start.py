"""Cold start: a fresh interpreter importing one function's ``app.py`` the way Lambda does.

Two measurements: the functions loaded from this checkout (``measure``), and the functions
imported against the layer as the build makes it, with and without its bytecode
(``measure_bytecode``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.layer import LayerBuildFailed, Layers, built_layers
from bench.report import median, table
from local.template import ROOT

# Runs in the child: the loader first (not a Lambda cost, so outside the timed import), then the function.
CHILD = """
import json, resource, sys, time
from local.functions import load_function

def peak_rss_mb():
    # VmHWM is this process's own peak; ru_maxrss also keeps the parent's peak from before exec.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

started = time.perf_counter()
if sys.argv[1]:
    load_function(sys.argv[1])
print(json.dumps({
    "import_ms": (time.perf_counter() - started) * 1000,
    "modules": len(sys.modules),
    "peak_rss_mb": peak_rss_mb(),
    "anthropic": "anthropic" in sys.modules,
}))
"""

BASE_ENV = {
    "TABLE_NAME": "agent-runtime-bench",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "PYTHONDONTWRITEBYTECODE": "",
}


@dataclass(frozen=True)
class Case:
    label: str
    function: str  # "" imports nothing: the interpreter and the loader alone
    env: dict[str, str]
    anthropic_allowed: bool = True


CASES = (
    Case("(interpreter + loader)", "", {}),
    Case("chat (local model)", "chat", {"MODEL_PROVIDER": "local"}),
    Case(
        "chat (anthropic)", "chat", {"MODEL_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "sk-ant-bench-dummy"}
    ),
    Case("executions", "executions", {}, anthropic_allowed=False),
    Case("health", "health", {}, anthropic_allowed=False),
)


def run_child(argv: list[str], *, cwd: Path, env: dict[str, str], what: str) -> dict[str, Any]:
    """Run a child that prints one JSON object last: that object, plus the whole run's wall time.

    The child sees PATH, HOME, ``BASE_ENV`` and ``env`` only (an empty value unsets a variable)."""
    inherited = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    started = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=cwd,
        env={name: value for name, value in (inherited | BASE_ENV | env).items() if value},
        capture_output=True,
        text=True,
        check=False,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{done.stderr}")
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_ms": wall_ms, **measured}


def run_once(case: Case) -> dict[str, Any]:
    argv = [sys.executable, "-c", CHILD, case.function]
    return run_child(argv, cwd=ROOT, env=case.env, what=f"cold start of {case.label}")


def measure(runs: int) -> list[dict[str, Any]]:
    samples: dict[str, list[dict[str, Any]]] = {case.label: [] for case in CASES}
    for _ in range(runs):  # interleaved, so a slow moment of the machine hits every case alike
        for case in CASES:
            samples[case.label].append(run_once(case))
    results = []
    for case in CASES:
        got = samples[case.label]
        anthropic = any(sample["anthropic"] for sample in got)
        results.append(
            {
                "case": case.label,
                "function": case.function or None,
                "runs": runs,
                "wall_ms": median([s["wall_ms"] for s in got]),
                "import_ms": median([s["import_ms"] for s in got]),
                "modules": int(median([s["modules"] for s in got])),
                "peak_rss_mb": median([s["peak_rss_mb"] for s in got]),
                "anthropic_imported": anthropic,
                "ok": case.anthropic_allowed or not anthropic,
                "wall_ms_all": [round(s["wall_ms"], 1) for s in got],
            }
        )
    return results


def render(results: list[dict[str, Any]]) -> str:
    rows = [
        (
            r["case"],
            r["wall_ms"],
            r["import_ms"],
            r["modules"],
            r["peak_rss_mb"],
            ("yes" if r["anthropic_imported"] else "no") + ("" if r["ok"] else "  <-- must not"),
        )
        for r in results
    ]
    runs = results[0]["runs"] if results else 0
    title = f"Cold start (median of {runs}; wall = whole process, import = load_function only)"
    headers = ("function", "wall ms", "import ms", "modules", "peak RSS MB", "anthropic")
    return title + "\n" + table(headers, rows)


# --- with and without the layer's bytecode ---------------------------------------------------

# Runs in the child, started in the function's task root with the layer on PYTHONPATH (where
# /opt/python is on Lambda) and no site-packages (-S): Lambda's bootstrap imports ``app``.
LAYER_CHILD = """
import json, sys, time
started = time.perf_counter()
import app
import_ms = (time.perf_counter() - started) * 1000
files = [str(getattr(module, "__file__", "")) for module in list(sys.modules.values())]
print(json.dumps({
    "import_ms": import_ms,
    "modules": len(sys.modules),
    "from_layer": sum(1 for file in files if file.startswith(sys.argv[1])),
}))
"""

# Each function as deployed (chat with the Anthropic provider, the template's default).
LAYER_CASES = tuple(case for case in CASES if case.label in {"chat (anthropic)", "executions", "health"})
VARIANTS = ("source_only", "bytecode")


def run_against_layer(case: Case, layers: Layers, variant: str) -> dict[str, Any]:
    site = str(getattr(layers, variant))
    # /opt is read-only on Lambda: nothing compiled at import is kept for the next cold start.
    env = case.env | {"PYTHONPATH": site, "PYTHONDONTWRITEBYTECODE": "1"}
    return run_child(
        [str(layers.python), "-S", "-c", LAYER_CHILD, site],
        cwd=layers.function(case.function),
        env=env,
        what=f"import of {case.label} against the {variant} layer",
    )


def measure_bytecode(runs: int) -> dict[str, Any]:
    """Each function's import against the built layer, without and with its .pyc (medians)."""
    try:
        with built_layers() as layers:
            samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for _ in range(runs):  # interleaved, as in measure()
                for case in LAYER_CASES:
                    for variant in VARIANTS:
                        sample = run_against_layer(case, layers, variant)
                        samples.setdefault((case.label, variant), []).append(sample)
    except LayerBuildFailed as exc:
        return {"runs": runs, "skipped": str(exc), "results": []}
    results = []
    for case in LAYER_CASES:
        row: dict[str, Any] = {"case": case.label, "function": case.function}
        for variant in VARIANTS:
            got = samples[(case.label, variant)]
            row[variant] = {
                "import_ms": median([s["import_ms"] for s in got]),
                "wall_ms": median([s["wall_ms"] for s in got]),
                "modules": int(median([s["modules"] for s in got])),
                "from_layer": int(median([s["from_layer"] for s in got])),
                "import_ms_all": [round(s["import_ms"], 1) for s in got],
            }
        row["speedup"] = row["source_only"]["import_ms"] / max(row["bytecode"]["import_ms"], 0.001)
        results.append(row)
    return {"runs": runs, "python": str(layers.python), "results": results}


def render_bytecode(measured: dict[str, Any]) -> str:
    title = (
        f"Cold start against the built layer, without and with its bytecode (median of {measured['runs']};"
        " import = `import app` in the task root)"
    )
    if measured.get("skipped"):
        return f"{title}\nskipped: {measured['skipped']}"
    rows = [
        (
            r["case"],
            r["source_only"]["import_ms"],
            r["bytecode"]["import_ms"],
            f"{r['speedup']:.1f}x",
            r["bytecode"]["wall_ms"],
            r["bytecode"]["modules"],
            r["bytecode"]["from_layer"],
        )
        for r in measured["results"]
    ]
    headers = (
        "function",
        "import ms, no .pyc",
        "import ms, .pyc",
        "faster",
        "wall ms, .pyc",
        "modules",
        "from layer",
    )
    return title + "\n" + table(headers, rows)
