"""The uv that runs this suite (for tests that run uv, or make, themselves)."""

from __future__ import annotations

import os
import shutil

from local.template import ROOT


def uv_executable() -> str | None:
    """``UV``, then uv on PATH, then the Makefile's own install (``.tools/uv``).

    ``make`` exports the uv it uses as ``UV``, and uv sets ``UV`` for what ``uv run`` starts
    (https://docs.astral.sh/uv/reference/environment/#uv: the path of the uv binary, propagated
    to every subprocess), so under ``make test`` this is the uv that made the environment.
    """
    candidates = (os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools" / "uv" / "bin" / "uv"))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)
