"""AgentCoreLayer built for this machine by its own recipe, and the same files without bytecode.

``make build`` builds the layer for Lambda (arm64 wheels), which this machine may not run; here the
recipe (``layers/agent_core/Makefile``) runs with ``PLATFORMS=`` so pip picks this machine's wheels.
Everything else is what ships: the same pinned requirements, the same ``agent_core``, the same
``compileall`` call.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from local.template import ROOT

RECIPE = ROOT / "layers" / "agent_core"
FUNCTIONS = ROOT / "functions"


class LayerBuildFailed(RuntimeError):
    """The recipe could not build the layer here (no Python 3.12 with pip, or no way to PyPI)."""


@dataclass(frozen=True)
class Layers:
    bytecode: Path  # python/ as the recipe builds it: a .pyc beside every module
    source_only: Path  # the same files, every __pycache__ removed
    task_root: Path  # functions/<name>/app.py copied without bytecode, as SAM ships them
    python: Path  # the Python 3.12 that built them, and that imports them

    def function(self, name: str) -> Path:
        return self.task_root / name


def python312() -> Path:
    """Python 3.12 outside the virtual environment (the recipe runs pip, which a uv venv lacks)."""
    python = Path(sys.base_prefix, "bin", "python3.12")
    if not python.exists():
        raise LayerBuildFailed(f"no python3.12 at {python}: run the bench with Python 3.12 (make bench)")
    return python


@contextmanager
def built_layers() -> Iterator[Layers]:
    """Build both variants in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="agent-runtime-layer-") as scratch:
        root = Path(scratch)
        python = python312()
        done = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "--silent",
                "-C",
                str(RECIPE),
                "build-AgentCoreLayer",
                f"ARTIFACTS_DIR={root / 'bytecode'}",
                "PLATFORMS=",
                f"PYTHON={python}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise LayerBuildFailed(f"layers/agent_core/Makefile failed:\n{done.stderr.strip()}")
        bytecode = root / "bytecode" / "python"
        source_only = root / "source-only" / "python"
        shutil.copytree(bytecode, source_only, ignore=shutil.ignore_patterns("__pycache__"))
        task_root = root / "task"
        for app in FUNCTIONS.glob("*/app.py"):
            (task_root / app.parent.name).mkdir(parents=True)
            shutil.copy2(app, task_root / app.parent.name / "app.py")
        yield Layers(bytecode=bytecode, source_only=source_only, task_root=task_root, python=python)
