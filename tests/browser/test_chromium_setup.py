"""`make test` brings its own browser: where no Chromium is found, root installs Debian's with
apt-get, anyone else is told how. Run with a PATH on which only the stand-ins below exist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from local.template import ROOT


def make_chromium(bin_dir: Path, uid: int, apt_get_fails: bool = False) -> tuple[str, list[str]]:
    """``make chromium`` as user ``uid`` on a machine without Chromium; what it says, and apt-get's calls."""
    calls = bin_dir / "apt-get.calls"
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_dir / "apt-get").write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n{"exit 100" if apt_get_fails else "exit 0"}\n'
    )
    for tool in ("id", "apt-get"):
        (bin_dir / tool).chmod(0o755)
    make = shutil.which("make")
    assert make is not None
    ran = subprocess.run(
        [make, "--no-print-directory", "chromium"],
        cwd=ROOT,
        env={"PATH": str(bin_dir), "HOME": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr  # `make test` goes on: the browser tests then say why they skip
    return ran.stdout, calls.read_text().splitlines() if calls.exists() else []


def test_root_installs_the_distributions_chromium_with_apt_get(tmp_path: Path) -> None:
    said, apt_get = make_chromium(tmp_path, uid=0)

    assert "Installing Chromium" in said
    assert apt_get == ["update -qq", "install -y -qq --no-install-recommends chromium"]


def test_a_failed_install_is_said_and_does_not_stop_the_tests(tmp_path: Path) -> None:
    said, _ = make_chromium(tmp_path, uid=0, apt_get_fails=True)

    assert "could not install Chromium: the browser tests will skip" in said


def test_anyone_else_is_told_how_to_install_it(tmp_path: Path) -> None:
    said, apt_get = make_chromium(tmp_path, uid=1000)

    assert apt_get == []
    assert "sudo apt-get install chromium" in said and "CHROMIUM=" in said
