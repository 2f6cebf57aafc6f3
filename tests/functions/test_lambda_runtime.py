"""The buffered functions under the real Lambda runtime interface client, as Lambda runs them.

``python -m awslambdaric app.handler`` starts in ``functions/<name>`` with the layer's source on
``PYTHONPATH`` (where ``/opt/python`` would be) and the environment ``template.yaml`` gives the
function. It polls a loopback fake of the Lambda Runtime API for events and posts the handler's
answers back; AWS is a ``ThreadedMotoServer`` on loopback (``AWS_ENDPOINT_URL``).

The moto server and this process's ``mock_aws`` (conftest) act on the same moto state, so the
fixtures that create the table and write tenants and keys here are what the function sees there.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from moto.server import ThreadedMotoServer

from agent_core import Runtime, TurnRequest
from agent_core.web import chat_reply
from local.template import ROOT, load_template
from tests.conftest import TABLE, DemoTenant, RuntimeFactory
from tests.support.lambda_events import Event, load_event, register_example_key

RUNTIME_API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"
STACK = "agent-runtime"
START_TIMEOUT_SECONDS = 60.0
INVOKE_TIMEOUT_SECONDS = 30.0


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"


@dataclass(frozen=True)
class Posted:
    """What the runtime client posted back: a response, an invocation error, or an init error."""

    kind: str
    request_id: str | None
    body: bytes
    error_type: str | None

    def json(self) -> Any:
        return json.loads(self.body)


class FakeRuntimeApi:
    """The Lambda Runtime API on loopback: hands out queued events, captures what comes back."""

    def __init__(self) -> None:
        self._pending: queue.Queue[tuple[str, bytes, str]] = queue.Queue()
        self._posted: queue.Queue[Posted] = queue.Queue()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def invoke(self, event: Event, function_name: str, process: LambdaProcess) -> Posted:
        """Queue ``event`` for the next ``/invocation/next`` and wait for what the runtime posts."""
        request_id = str(uuid.uuid4())
        self._pending.put((request_id, json.dumps(event).encode(), FUNCTION_ARN.format(name=function_name)))
        deadline = time.monotonic() + START_TIMEOUT_SECONDS + INVOKE_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                posted = self._posted.get(timeout=0.2)
            except queue.Empty:
                if process.popen.poll() is not None:
                    pytest.fail(f"the runtime exited ({process.popen.returncode}):\n{process.logs()}")
                continue
            if posted.kind == "init_error":
                pytest.fail(f"the function failed at init: {posted.body.decode()}\n{process.logs()}")
            assert posted.request_id == request_id, "the runtime answers the invocation it was given"
            return posted
        pytest.fail(f"no answer from the runtime in time:\n{process.logs()}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            invocation = re.compile(rf"^{RUNTIME_API}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")
            accepted: ClassVar[bytes] = b'{"status":"OK"}'

            def do_GET(self) -> None:
                if self.path != f"{RUNTIME_API}/invocation/next":
                    self._reply(404, b'{"errorMessage":"not found"}')
                    return
                while not api._stopping.is_set():
                    try:
                        request_id, body, arn = api._pending.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    deadline_ms = int((time.time() + INVOKE_TIMEOUT_SECONDS) * 1000)
                    self._reply(
                        200,
                        body,
                        {
                            "Lambda-Runtime-Aws-Request-Id": request_id,
                            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                            "Lambda-Runtime-Invoked-Function-Arn": arn,
                            "Lambda-Runtime-Trace-Id": trace_id(),
                        },
                    )
                    return
                self._reply(503, b'{"errorMessage":"shutting down"}')

            def do_POST(self) -> None:
                body = self._body()
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if self.path == f"{RUNTIME_API}/init/error":
                    api._posted.put(Posted("init_error", None, body, error_type))
                elif match := self.invocation.match(self.path):
                    api._posted.put(Posted(match["kind"], match["id"], body, error_type))
                else:
                    self._reply(404, b'{"errorMessage":"not found"}')
                    return
                self._reply(202, self.accepted)

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = bytearray()
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        chunks += self.rfile.read(size)
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@dataclass
class LambdaProcess:
    popen: subprocess.Popen[bytes]
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-8000:]


def template_environment(function: str) -> dict[str, str]:
    """The environment ``template.yaml`` gives ``function`` (Globals and its own), intrinsics resolved."""
    template = load_template()
    refs = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    refs.update({"Table": TABLE, "AWS::StackName": STACK, "AWS::Region": "us-east-1"})

    def resolve(value: Any) -> str:
        if isinstance(value, dict) and "Ref" in value:
            return refs[value["Ref"]]
        if isinstance(value, dict) and "Fn::Sub" in value:
            return re.sub(r"\$\{([^}]+)\}", lambda m: refs[m[1]], value["Fn::Sub"])
        return str(value)

    variables = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    return {name: resolve(value) for name, value in variables.items()}


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def runtime_api() -> Iterator[FakeRuntimeApi]:
    api = FakeRuntimeApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@contextmanager
def lambda_function(
    name: str, logical_id: str, runtime_api: FakeRuntimeApi, moto_endpoint: str, log: Path
) -> Iterator[LambdaProcess]:
    """``functions/<name>`` running under ``awslambdaric``, killed on the way out."""
    task_root = ROOT / "functions" / name
    env = {
        **template_environment(logical_id),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONPATH": str(ROOT / "layers" / "agent_core"),
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_RUNTIME_API": runtime_api.address,
        "AWS_LAMBDA_FUNCTION_NAME": f"{STACK}-{logical_id}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", "app.handler"],
            cwd=task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    process = LambdaProcess(popen, log)
    try:
        yield process
    finally:
        popen.kill()
        popen.wait(timeout=10)


def response_of(posted: Posted, process: LambdaProcess) -> tuple[int, Any]:
    """statusCode and decoded JSON body of the handler's (Mangum's) answer."""
    assert posted.kind == "response", f"{posted.error_type}: {posted.body.decode()}\n{process.logs()}"
    answer = posted.json()
    return answer["statusCode"], json.loads(answer["body"])


async def one_chat_turn(runtime: Runtime, key: str) -> str:
    caller = runtime.authenticator.authenticate(key)
    turn = await runtime.chat.start(caller, "general", TurnRequest(message="who am I? use tenant_info"))
    reply = await chat_reply(turn)
    assert reply.status == "completed"
    return reply.run_id


def test_health_function_under_the_lambda_runtime_client(
    table: str, runtime_api: FakeRuntimeApi, moto_endpoint: str, tmp_path: Path
) -> None:
    # Given: the platform's model key secret the template names (MODEL_PROVIDER=anthropic by default)
    secret = template_environment("HealthFunction")["ANTHROPIC_API_KEY_SECRET"]
    boto3.client("secretsmanager").create_secret(Name=secret, SecretString="sk-ant-not-a-real-key")

    with lambda_function(
        "health", "HealthFunction", runtime_api, moto_endpoint, tmp_path / "health.log"
    ) as process:
        healthz = response_of(runtime_api.invoke(load_event("healthz"), "health", process), process)
        readyz = response_of(runtime_api.invoke(load_event("readyz"), "health", process), process)

    assert healthz == (200, {"status": "ok"})
    status, body = readyz
    assert status == 200
    assert body["status"] == "ready"
    assert body["checks"]["table"] == {"ok": True, "detail": "ACTIVE"}
    assert body["checks"]["model"]["ok"] is True
    assert secret in body["checks"]["model"]["detail"]


def test_executions_function_under_the_lambda_runtime_client(
    make_runtime: RuntimeFactory,
    tenants: dict[str, DemoTenant],
    runtime_api: FakeRuntimeApi,
    moto_endpoint: str,
    tmp_path: Path,
) -> None:
    # Given: acme's example key and one finished chat turn of acme
    runtime = make_runtime()
    key = register_example_key(runtime, "acme")
    run_id = asyncio.run(one_chat_turn(runtime, key))

    with lambda_function(
        "executions", "ExecutionsFunction", runtime_api, moto_endpoint, tmp_path / "executions.log"
    ) as process:
        status, body = response_of(
            runtime_api.invoke(load_event("executions"), "executions", process), process
        )
        # The agent catalogue is not imported at init: the first GET /agents imports it.
        agents = response_of(runtime_api.invoke(load_event("agents"), "executions", process), process)

    assert status == 200
    assert [(run["run_id"], run["tenant_id"], run["status"]) for run in body["items"]] == [
        (run_id, "acme", "completed")
    ]
    assert [step["tool"] for step in body["items"][0]["steps"]] == ["tenant_info"]
    assert agents[0] == 200
    (general,) = agents[1]["agents"]
    assert general["id"] == "general"
    assert {"tenant_info", "web_search"} <= {tool["name"] for tool in general["tools"]}
