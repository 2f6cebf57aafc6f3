"""`make dev`'s stack: moto, the table from template.yaml, demo tenants, every route on one port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.aws import free_port
from local.template import ROOT, api_routes, create_table_arguments
from tests.support.sse import parse


def test_the_gateway_routes_every_api_event_of_the_template() -> None:
    routes = {(r.method, r.path, r.function, r.streaming) for r in api_routes()}
    assert ("POST", "/agents/{agent_id}/chat/stream", "chat", True) in routes
    assert ("POST", "/agents/{agent_id}/chat", "chat", True) in routes
    assert ("GET", "/agents/{agent_id}/executions", "executions", False) in routes
    assert ("GET", "/executions/{run_id}", "executions", False) in routes
    assert ("GET", "/healthz", "health", False) in routes
    assert ("GET", "/readyz", "health", False) in routes


def test_the_local_table_is_the_templates_table() -> None:
    arguments = create_table_arguments("t")
    assert arguments["BillingMode"] == "PAY_PER_REQUEST"
    assert [k["AttributeName"] for k in arguments["KeySchema"]] == ["PK", "SK"]
    assert [i["IndexName"] for i in arguments["GlobalSecondaryIndexes"]] == ["GSI1"]


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`python -m local.dev` as a newcomer runs it (through `make dev`), on free ports."""
    keys_file = tmp_path_factory.mktemp("dev") / "dev-keys.json"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "ANTHROPIC_", "TABLE_NAME", "MODEL_PROVIDER"))
    }
    env |= {"PORT": str(port), "DEV_KEYS_FILE": str(keys_file), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        output = _wait_until_ready(process, base)
        assert "curl -N" in output
        yield base, json.loads(Path(keys_file).read_text())
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen[str], base: str) -> str:
    deadline = time.monotonic() + 60
    lines: list[str] = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise AssertionError("local.dev exited:\n" + "".join(lines))
        lines.append(line)
        if "curl -H" in line:  # the last line of the banner
            break
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return "".join(lines)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("local.dev never answered:\n" + "".join(lines))


def test_dev_keys_are_written_for_both_demo_tenants(dev_stack: tuple[str, dict[str, str]]) -> None:
    _, keys = dev_stack
    assert set(keys) == {"acme", "globex"}
    assert all(key.startswith("ak_") for key in keys.values())


def test_the_quick_start_curl_streams_a_tool_turn_and_it_is_audited(
    dev_stack: tuple[str, dict[str, str]],
) -> None:
    base, keys = dev_stack
    acme = {"X-API-Key": keys["acme"]}
    # Exactly what the README's curl sends: JSON labelled as a form by `curl -d`.
    response = httpx.post(
        base + "/agents/general/chat/stream",
        content=b'{"message":"who am I? use tenant_info"}',
        headers={**acme, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    frames = parse(response.text)
    kinds = [f.event for f in frames]
    assert kinds[:3] == ["run_started", "tool_call", "tool_result"]
    assert set(kinds[3:-1]) == {"text_delta"} and kinds[-1] == "done"
    assert frames[1].data["tool"] == "tenant_info"
    answer = "".join(f.data["text"] for f in frames if f.event == "text_delta")
    assert "Acme Corporation" in answer and "local" in answer.lower()

    audit = httpx.get(base + "/agents/general/executions", headers=acme).json()
    assert [item["tool"] for item in audit["items"]] == ["tenant_info"]
    globex = httpx.get(base + "/agents/general/executions", headers={"X-API-Key": keys["globex"]}).json()
    assert globex["items"] == []


def test_readiness_reports_the_table_and_the_local_model(dev_stack: tuple[str, dict[str, str]]) -> None:
    base, _ = dev_stack
    ready = httpx.get(base + "/readyz").json()
    assert ready == {
        "status": "ready",
        "checks": {"table": {"ok": True, "detail": "ACTIVE"}, "model": {"ok": True, "detail": "local model"}},
    }
