"""`make dev`'s stack in a subprocess, and `agentctl` run against it the way an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from local.aws import free_port
from local.template import ROOT


@dataclass(frozen=True)
class LocalStack:
    base_url: str
    stack_file: Path
    keys_file: Path
    banner: str

    @property
    def keys(self) -> dict[str, str]:
        keys: dict[str, str] = json.loads(self.keys_file.read_text())
        return keys

    @property
    def stack(self) -> dict[str, str]:
        stack: dict[str, str] = json.loads(self.stack_file.read_text())
        return stack


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would choose an AWS target or a model."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ANTHROPIC_", "TABLE_NAME", "SECRETS_PREFIX", "MODEL_PROVIDER"))
    }
    return env | {"PYTHONUNBUFFERED": "1"} | extra


@contextmanager
def local_stack(folder: Path) -> Iterator[LocalStack]:
    """`python -m local.dev` (what `make dev` runs) on free ports, its files in ``folder``."""
    port = free_port()
    stack_file = folder / "stack.json"
    keys_file = folder / "dev-keys.json"
    env = clean_environment(PORT=str(port), DEV_KEYS_FILE=str(keys_file), DEV_STACK_FILE=str(stack_file))
    process = subprocess.Popen(
        [sys.executable, "-m", "local.dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        banner = _wait_until_ready(process, base_url)
        yield LocalStack(base_url, stack_file, keys_file, banner)
    finally:
        process.terminate()
        process.wait(timeout=10)


def agentctl(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """``./agentctl ARGS`` from the repository's root, exactly as the README writes it."""
    return subprocess.run(
        ["./agentctl", *args],
        cwd=ROOT,
        env=clean_environment(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _wait_until_ready(process: subprocess.Popen[str], base_url: str) -> str:
    deadline = time.monotonic() + 60
    lines: list[str] = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError("local.dev exited:\n" + "".join(lines))
        lines.append(line)
        if "curl -H" in line:  # the banner's last line
            break
    while time.monotonic() < deadline:
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return "".join(lines)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("local.dev never answered:\n" + "".join(lines))
