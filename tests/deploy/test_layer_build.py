"""The AgentCoreLayer's build recipe (``layers/agent_core/Makefile``, which ``sam build`` runs):
wheels for the template's runtime and architecture, and bytecode compiled by that same Python,
which Lambda uses as is from the read-only ``/opt``.

No SAM and no network: the recipe's commands are read with ``make -n``, and the recipe itself
runs on a copy of the layer whose requirements are empty (pip installs nothing), so what it does
to ``agent_core`` is checked for real.
"""

from __future__ import annotations

import importlib.util
import marshal
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import ROOT, load_template

LAYER = ROOT / "layers" / "agent_core"
# PEP 552: bit 0 of a .pyc's flags says "hash-based", bit 1 "check the source"; unchecked is 0b01.
UNCHECKED_HASH = 0b01
ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}


def make(*args: str, cwd: Path = LAYER) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def recipe_commands() -> list[str]:
    """The shell commands of ``build-AgentCoreLayer``, continuation lines joined."""
    done = make("-n", "build-AgentCoreLayer", "ARTIFACTS_DIR=/artifacts")
    assert done.returncode == 0, done.stderr
    return [line.strip() for line in done.stdout.replace("\\\n", " ").splitlines()]


def test_sam_builds_the_layer_with_its_makefile() -> None:
    layer = load_template()["Resources"]["AgentCoreLayer"]

    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/agent_core"
    assert make("-n", "build-AgentCoreLayer", "ARTIFACTS_DIR=/artifacts").returncode == 0


def test_the_recipe_installs_wheels_for_the_templates_runtime_and_architecture() -> None:
    template = load_template()
    runtime = template["Globals"]["Function"]["Runtime"]
    layer = template["Resources"]["AgentCoreLayer"]
    arch = ARCHITECTURES[layer["Metadata"]["BuildArchitecture"]]
    (pip,) = [command for command in recipe_commands() if " -m pip install " in command]

    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert pip.startswith(f"{runtime} -m pip install ")
    assert f"--python-version {runtime.removeprefix('python')}" in pip
    platforms = re.findall(r"--platform (\S+)", pip)
    assert platforms and all(platform.endswith(f"_{arch}") for platform in platforms), platforms
    assert "--only-binary=:all:" in pip
    assert '--target "/artifacts/python"' in pip


def test_the_recipe_compiles_with_the_runtimes_python_into_hash_based_bytecode() -> None:
    runtime = load_template()["Globals"]["Function"]["Runtime"]
    (compile_all,) = [command for command in recipe_commands() if " -m compileall " in command]

    assert compile_all.startswith(f"{runtime} -m compileall ")
    assert "--invalidation-mode unchecked-hash" in compile_all
    assert compile_all.endswith('"/artifacts/python"')


def test_the_recipe_refuses_a_python_that_is_not_the_runtimes(tmp_path: Path) -> None:
    done = make("build-AgentCoreLayer", f"ARTIFACTS_DIR={tmp_path}", "PYTHON=python3.11")

    assert done.returncode != 0
    assert "is missing or is not Python 3.12" in done.stderr
    assert not (tmp_path / "python").exists()


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recipe run for real on a copy of the layer with no requirements: agent_core alone."""
    source = tmp_path_factory.mktemp("layer-source")
    shutil.copytree(LAYER, source, dirs_exist_ok=True)
    (source / "requirements.txt").write_text("# nothing: pip installs no wheel here\n")
    # A stale bytecode file of another Python, as a developer's checkout may hold.
    stale = source / "agent_core" / "__pycache__" / "keys.cpython-311.pyc"
    stale.parent.mkdir(exist_ok=True)
    stale.write_bytes(b"stale")
    artifacts = tmp_path_factory.mktemp("artifacts")
    # The suite runs on Python 3.12 (pyproject.toml); its base installation, outside the
    # virtual environment, has pip.
    python = Path(sys.base_prefix, "bin", "python3.12")
    done = make("build-AgentCoreLayer", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={python}", cwd=source)
    assert done.returncode == 0, done.stdout + done.stderr
    return artifacts / "python"


def test_every_agent_core_module_ships_bytecode_for_python_312(built_layer: Path) -> None:
    sources = sorted((built_layer / "agent_core").rglob("*.py"))
    compiled = sorted((built_layer / "agent_core").rglob("*.pyc"))

    assert len(sources) > 50
    assert compiled == sorted(Path(importlib.util.cache_from_source(str(source))) for source in sources)
    assert all(path.name.endswith(".cpython-312.pyc") for path in compiled)


def test_the_bytecode_is_of_the_shipped_source_and_used_without_checking_it(built_layer: Path) -> None:
    for source in (built_layer / "agent_core").rglob("*.py"):
        data = Path(importlib.util.cache_from_source(str(source))).read_bytes()
        flags = int.from_bytes(data[4:8], "little")

        assert data[:4] == importlib.util.MAGIC_NUMBER
        assert flags == UNCHECKED_HASH, source
        assert data[8:16] == importlib.util.source_hash(source.read_bytes()), source
        # Tracebacks name the file where Lambda has it, not the build machine's directory.
        code = marshal.loads(data[16:])  # noqa: S302 (the recipe's own output)
        assert code.co_filename == f"/opt/python/{source.relative_to(built_layer).as_posix()}"


def test_the_layer_ships_the_package_data_and_no_stale_bytecode(built_layer: Path) -> None:
    assert (built_layer / "agent_core" / "agents" / "prompts" / "general.md").is_file()
    assert not list(built_layer.rglob("*.cpython-311.pyc"))
    assert not (built_layer / "requirements.txt").exists()
