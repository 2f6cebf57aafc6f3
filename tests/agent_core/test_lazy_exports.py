"""``agent_core``'s lazy names (PEP 562): every public name imports, and the lazy ones only when asked."""

from __future__ import annotations

import subprocess
import sys

import pytest

import agent_core


@pytest.mark.parametrize("name", agent_core.__all__)
def test_every_public_name_is_importable_from_agent_core(name: str) -> None:
    assert getattr(agent_core, name) is not None
    assert name in dir(agent_core)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = agent_core.Nope


def test_a_lazy_name_is_the_defining_modules_own_object() -> None:
    # A fresh interpreter: in this one the tools are imported already.
    code = (
        "import sys, agent_core\n"
        "assert 'agent_core.tools' not in sys.modules\n"
        "from agent_core import Tool\n"
        "from agent_core.tools.base import Tool as Defined\n"
        "print(Tool is Defined)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
