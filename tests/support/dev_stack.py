"""`make dev`'s stack in a subprocess, and `agentctl` run against it the way an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from local.aws import free_port
from local.state import LocalState, read_strings
from local.template import ROOT


@dataclass(frozen=True)
class StackPorts:
    """The ports a stack listens on; a restarted stack gets the same ones, as `make dev`'s defaults."""

    api: int
    erp: int
    projects: int

    @classmethod
    def free(cls) -> StackPorts:
        return cls(free_port(), free_port(), free_port())

    def environment(self) -> dict[str, str]:
        return {"PORT": str(self.api), "ERP_PORT": str(self.erp), "PROJECTS_PORT": str(self.projects)}


@dataclass(frozen=True)
class LocalStack:
    base_url: str
    state: LocalState  # its files: the same paths `make dev` uses under .local/
    banner: str
    process: subprocess.Popen[str]

    @property
    def stack_file(self) -> Path:
        return self.state.stack_file

    @property
    def keys(self) -> dict[str, str]:
        return read_strings(self.state.keys_file)

    @property
    def stack(self) -> dict[str, str]:
        return read_strings(self.state.stack_file)


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would choose an AWS target or a model."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ANTHROPIC_", "TABLE_NAME", "SECRETS_PREFIX", "MODEL_PROVIDER"))
    }
    return env | {"PYTHONUNBUFFERED": "1"} | extra


@contextmanager
def local_stack(
    state_dir: Path,
    *,
    ports: StackPorts | None = None,
    command: Sequence[str] = (sys.executable, "-m", "local.dev"),
    stop: signal.Signals = signal.SIGTERM,
    **env: str,
) -> Iterator[LocalStack]:
    """``command`` (by default what `make dev` runs) with its state in ``state_dir``.

    It runs in its own process group, and ``stop`` goes to the whole group, as a Ctrl-C in a
    terminal reaches make, uv and Python alike; ``SIGKILL`` kills them all at once.
    """
    ports = ports or StackPorts.free()
    environment = clean_environment(DEV_STATE_DIR=str(state_dir), **ports.environment(), **env)
    process = subprocess.Popen(
        list(command),
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{ports.api}"
    try:
        banner = _wait_until_ready(process, base_url)
        yield LocalStack(base_url, LocalState(state_dir), banner, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, stop)
        process.wait(timeout=20)


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
    deadline = time.monotonic() + 90
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
