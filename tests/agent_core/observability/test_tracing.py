"""X-Ray: each model call, each tool call and each AWS call of a turn is a subsegment of the Lambda
invocation's trace (Powertools' Tracer, botocore patched), sent to the X-Ray daemon's UDP address;
and nothing of it is loaded or patched where tracing is off."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.template import ROOT

ROOT_ID = "1-5759e988-bd862e3fe1be46a994272793"
TRACE_HEADER = f"Root={ROOT_ID};Parent=53995c3f42cd8ad8;Sampled=1"
Segment = dict[str, Any]


def run(code_or_module: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LAMBDA_", "POWERTOOLS_", "_X_AMZN"))
    }
    return subprocess.run(
        [sys.executable, *code_or_module],
        cwd=ROOT,
        env={**base, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def received(daemon: socket.socket) -> Iterator[Segment]:
    """Each segment document the daemon got: a ``{"format": "json", "version": 1}`` line, then it."""
    daemon.settimeout(1.0)
    while True:
        try:
            datagram = daemon.recv(65_536)
        except TimeoutError:
            return
        header, _, document = datagram.decode().partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        yield json.loads(document)


def flattened(segments: list[Segment]) -> list[Segment]:
    found: list[Segment] = []
    for segment in segments:
        found.append(segment)
        found.extend(flattened(segment.get("subsegments", [])))
    return found


def test_model_tool_and_aws_calls_are_subsegments_of_the_invocations_trace(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind(("127.0.0.1", 0))
        host, port = daemon.getsockname()
        done = run(
            ["-m", "tests.support.traced_turn", TRACE_HEADER],
            {
                "LAMBDA_TASK_ROOT": str(tmp_path),
                "AWS_XRAY_DAEMON_ADDRESS": f"{host}:{port}",
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
            },
        )
        assert done.returncode == 0, done.stdout + done.stderr
        documents = list(received(daemon))

    assert {document["trace_id"] for document in documents} == {ROOT_ID}
    segments = flattened(documents)
    names = [segment["name"] for segment in segments]
    assert names.count("## model") == 2  # two model calls: the tool call, then the answer
    (tool,) = [segment for segment in segments if segment["name"] == "## tool tenant_info"]
    assert tool["annotations"] == {"tool": "tenant_info", "ok": True}
    dynamodb = [segment for segment in segments if segment["name"] == "dynamodb"]  # its endpoint prefix
    operations = {segment["aws"]["operation"] for segment in dynamodb}
    assert {"GetItem", "TransactWriteItems"} <= operations  # the tenant read, the turn's begin and end
    assert all(segment.get("namespace") == "aws" for segment in dynamodb)


PROBE = """
import sys, botocore.client
from agent_core import Runtime, Settings
from agent_core.web import create_api
create_api(Runtime(Settings(table_name="t", region="us-east-1")), title="probe")
patched = type(vars(botocore.client.BaseClient)["_make_api_call"]).__name__ == "FunctionWrapper"  # wrapt's
print("aws_xray_sdk" in sys.modules, patched)
"""


@pytest.mark.parametrize(
    ("env", "traced"),
    [
        ({}, False),  # tests, make dev
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
    ],
)
def test_tracing_is_on_in_lambda_only_unless_turned_off(env: dict[str, str], traced: bool) -> None:
    done = run(["-c", PROBE], env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(traced), str(traced)]
