"""One streamed chat turn in a process that believes it runs in Lambda with tracing on.

Run by ``tests/agent_core/observability/test_tracing.py`` in a process of its own (the X-Ray SDK and
Powertools' Tracer patch botocore for the whole process), with ``LAMBDA_TASK_ROOT`` and
``AWS_XRAY_DAEMON_ADDRESS`` set: the X-Ray segments go over UDP to that address, where the test
listens as the X-Ray daemon would. The turn's request carries the trace header the Web Adapter
passes on (``python -m tests.support.traced_turn '<x-amzn-trace-id>'``); AWS is moto, in-process.
"""

from __future__ import annotations

import sys

import httpx
from moto import mock_aws

from agent_core import Runtime, Settings, SingleModelProvider, Tenant, issue_api_key
from agent_core.llm.scripted import call, say
from local.aws import ensure_table
from local.functions import load_function
from tests.fakes.scripted_model import ScriptedModel
from tests.support.server import serve

TABLE = "agent-runtime-traced"


def main(trace_header: str) -> int:
    with mock_aws():
        ensure_table(TABLE)
        model = ScriptedModel([call("tenant_info", call_id="toolu_01who"), say("You are acme-user.")])
        runtime = Runtime(
            Settings(table_name=TABLE, region="us-east-1", model_provider="local"),
            models=SingleModelProvider(model),
        )
        runtime.tenants.put(Tenant(tenant_id="acme", name="Acme Corporation"))
        key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="acme-user")
        with serve(load_function("chat").create_app(runtime)) as url:
            response = httpx.post(
                url + "/agents/general/chat/stream",
                json={"message": "who am I?"},
                headers={"X-API-Key": key, "x-amzn-trace-id": trace_header},
                timeout=30,
            )
    print(response.status_code, response.text[-200:])
    return 0 if response.status_code == 200 and '"status":"completed"' in response.text else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
