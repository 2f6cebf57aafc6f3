"""Load a function's ``app.py`` the way Lambda does: from its own directory, as a module."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from local.template import ROOT

FUNCTIONS = ROOT / "functions"


def load_function(name: str) -> ModuleType:
    """``functions/<name>/app.py`` as module ``functions.<name>.app`` (imported once)."""
    module_name = f"functions.{name}.app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = FUNCTIONS / name / "app.py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no function at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
