"""Stopping `make dev` and starting it again keeps what was done on it; `make dev-reset` forgets it.

Each story runs the real stack in its own processes: an operator onboards a tenant with
`./agentctl`, both that tenant and the demo tenant chat, the stack is stopped (Ctrl-C, or a
`kill -9` that gives it no chance to save anything) and started again on the same ports.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from local.aws import free_port
from local.template import ROOT
from tests.support.dev_stack import LocalStack, StackPorts, agentctl, clean_environment, local_stack
from tests.support.uv import uv_executable


@dataclass(frozen=True)
class Done:
    """What was done on the first run, to look for on the next."""

    demo_keys: dict[str, str]
    initech_key: str
    session_id: str
    run_id: str
    finance_run_id: str


def chat(stack: LocalStack, key: str, agent: str, message: str, **body: str) -> dict[str, Any]:
    reply = httpx.post(
        f"{stack.base_url}/agents/{agent}/chat",
        json={"message": message, **body},
        headers={"X-API-Key": key},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    assert answer["status"] == "completed", answer
    return answer


def get(stack: LocalStack, key: str, path: str) -> httpx.Response:
    return httpx.get(stack.base_url + path, headers={"X-API-Key": key}, timeout=10)


def use(stack: LocalStack) -> Done:
    ctl = functools.partial(agentctl, AGENTCTL_STACK_FILE=str(stack.stack_file))
    created = ctl("--local", "tenant", "create", "initech", "--name", "Initech", "--agents", "general")
    assert created.returncode == 0, created.stderr
    issued = ctl(
        "--local", "key", "create", "initech", "--caller", "peter", "--scopes", "chat,audit:read", "--json"
    )
    assert issued.returncode == 0, issued.stderr
    initech_key = json.loads(issued.stdout)["api_key"]

    first = chat(stack, initech_key, "general", "who am I? use tenant_info")
    finance = chat(stack, stack.keys["acme"], "finance", "what is our cash position?")
    return Done(stack.keys, initech_key, first["session_id"], first["run_id"], finance["run_id"])


def assert_kept(stack: LocalStack, done: Done) -> None:
    # The demo keys did not change, and still work; so does the key agentctl issued.
    assert stack.keys == done.demo_keys
    shown = agentctl("tenant", "show", "initech", "--stack-file", str(stack.stack_file))
    assert shown.returncode == 0 and "Initech" in shown.stdout, shown.stderr

    # The session goes on where it was: this is its second turn.
    again = chat(stack, done.initech_key, "general", "who am I? use tenant_info", session_id=done.session_id)
    assert get(stack, done.initech_key, f"/executions/{again['run_id']}").json()["turn"] == 2

    # The audit trail and the runs are all there.
    audit = get(stack, done.initech_key, "/agents/general/executions").json()["items"]
    assert [(e["run_id"], e["tool"]) for e in audit][-1] == (done.run_id, "tenant_info")
    finance = get(stack, done.demo_keys["acme"], f"/executions/{done.finance_run_id}")
    assert finance.status_code == 200 and finance.json()["status"] == "completed"

    # acme's ERP binding (a URL in its tenant record) answers: the demo ERP kept its port.
    assert chat(stack, done.demo_keys["acme"], "finance", "what is our cash position?")["tool_calls"][0]["ok"]


def assert_forgotten(stack: LocalStack, done: Done) -> None:
    assert stack.keys["acme"] != done.demo_keys["acme"]
    assert get(stack, done.demo_keys["acme"], "/agents").status_code == 401
    assert get(stack, done.initech_key, "/agents").status_code == 401
    shown = agentctl("tenant", "show", "initech", "--stack-file", str(stack.stack_file))
    assert shown.returncode == 1 and "no tenant initech" in shown.stderr
    audit = get(stack, stack.keys["acme"], "/agents/finance/executions").json()["items"]
    assert audit == []


def test_a_stack_stopped_with_ctrl_c_comes_back_with_everything(tmp_path: Path) -> None:
    ports = StackPorts.free()
    with local_stack(tmp_path, ports=ports, stop=signal.SIGINT) as first:
        done = use(first)
    assert not (tmp_path / "stack.json").exists()  # a clean stop says so to agentctl

    # Started again with the demo ERP elsewhere (ERP_PORT): the tenants bound to it follow it.
    moved = dataclasses.replace(ports, erp=free_port())
    with local_stack(tmp_path, ports=moved, stop=signal.SIGINT) as second:
        assert "Restored " in second.banner and " changes to the local AWS" in second.banner
        assert "Re-bound acme, globex to the demo servers' new ports." in second.banner
        assert_kept(second, done)


def refused_start(state_dir: Path, ports: StackPorts) -> str:
    """What `make dev`'s process printed when it would not start (exit code 1)."""
    done = subprocess.run(
        [sys.executable, "-m", "local.dev"],
        cwd=ROOT,
        env=clean_environment(DEV_STATE_DIR=str(state_dir), **ports.environment()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    return done.stderr


def test_a_taken_port_or_a_running_stack_is_one_clear_line(tmp_path: Path) -> None:
    ports = StackPorts.free()
    with socket.create_server(("127.0.0.1", ports.erp)):
        refused = refused_start(tmp_path, ports)
    assert refused == (
        f"make dev: port {ports.erp} (the demo ERP) is in use: stop what listens there, "
        "or run with ERP_PORT=<another port>\n"
    )

    with local_stack(tmp_path, ports=ports) as running:
        refused = refused_start(tmp_path, StackPorts.free())
    assert refused == (
        f"make dev: another `make dev` (pid {running.process.pid}) is running on {tmp_path}: stop it first\n"
    )


def test_a_stack_killed_with_sigkill_comes_back_and_make_dev_reset_forgets_it(tmp_path: Path) -> None:
    uv = uv_executable()
    assert uv, "no uv: run the suite with `make test`"
    ports = StackPorts.free()
    with local_stack(tmp_path, ports=ports, stop=signal.SIGKILL) as first:
        done = use(first)

    with local_stack(tmp_path, ports=ports, stop=signal.SIGKILL) as second:
        assert "Restored " in second.banner and " changes to the local AWS" in second.banner
        assert "Re-bound" not in second.banner  # the same ports: nothing to move
        assert_kept(second, done)

    # Exactly the README's command, through make (and uv), stopped as Ctrl-C stops it.
    reset = ("make", "--no-print-directory", "dev-reset")
    with local_stack(tmp_path, ports=ports, command=reset, stop=signal.SIGINT, UV=uv) as fresh:
        assert "Forgot the local stack's state" in fresh.banner
        assert_forgotten(fresh, done)
