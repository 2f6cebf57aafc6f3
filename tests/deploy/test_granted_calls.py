"""Every AWS action a function performs is one its role grants: each function's routes are driven
over HTTP (turns with every guardrail on, a confirmation, a retried request; every listing; the
sessions API, a session deleted; the health checks) while a botocore hook names the IAM action of
each call, which must be in the role that template.yaml gives that function. moto does not check
IAM, so this is where a missing grant shows before a deploy does.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import httpx
import pytest

from agent_core import (
    AuditEntry,
    RunContext,
    Runtime,
    Settings,
    SingleModelProvider,
    Tenant,
    get_settings,
    issue_api_key,
    tool,
)
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.general import general
from agent_core.llm.scripted import call, say
from agent_core.tenancy import TenantLimits
from agent_core.tools.registry import ToolRegistry
from agent_core.tools.tenant_info import tenant_info
from local.aws import ensure_table
from local.functions import load_function
from tests.conftest import TABLE
from tests.deploy.test_template import actions, deployed
from tests.fakes.scripted_model import ScriptedModel
from tests.support.aws_calls import AwsCalls
from tests.support.sse import parse
from tests.support.stack import serve_stack

# A transaction is authorised item by item, as the action each item's operation is
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
TRANSACTION_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


# An operation authorised as another action (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
AUTHORISED_AS = {"s3:ListObjectsV2": "s3:ListBucket"}


class Performed:
    """The IAM actions of the AWS calls made since :meth:`clear`, and the S3 keys and prefixes named."""

    def __init__(self) -> None:
        self.actions: set[str] = set()
        self.s3_keys: set[str] = set()

    def clear(self) -> None:
        self.actions.clear()
        self.s3_keys.clear()

    def __call__(self, name: str, params: dict[str, Any]) -> None:
        service, operation = name.split(".")
        if service == "s3":
            self.s3_keys.add(str(params.get("Key", params.get("Prefix"))))
        if operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                self.actions |= {f"dynamodb:{TRANSACTION_ITEM_ACTIONS[kind]}" for kind in item}
        elif operation == "TransactGetItems":
            self.actions.add("dynamodb:GetItem")
        else:
            action = f"{service}:{operation}"
            self.actions.add(AUTHORISED_AS.get(action, action))


@tool(read_only=False)
async def note_down(ctx: RunContext, text: str) -> dict[str, str]:
    """Write a note in the tenant's notebook."""
    return {"noted": text}


DESK = Agent(
    id="desk",
    title="Desk",
    description="Looks up and notes down.",
    prompt="Help.",
    tools=ToolRegistry([tenant_info, note_down]),
)


@pytest.fixture
def performed() -> Performed:
    seen = Performed()
    AwsCalls.attached().delay = seen
    return seen


@pytest.fixture
def stack(performed: Performed) -> Iterator[tuple[str, dict[str, str]]]:
    ensure_table(TABLE)
    model = ScriptedModel(
        [
            call("tenant_info"),
            say("You are Acme."),
            call("note_down", {"text": "call Ada back"}, call_id="toolu_note"),
            say("Not noted, then."),
        ]
    )
    settings = Settings(
        table_name=TABLE,
        region="us-east-1",
        model_provider="local",
        switch_cache_seconds=0,  # the switches are read on every turn
        breaker_flush_seconds=0,  # and the breaker's count written
    )
    runtime = Runtime(settings, models=SingleModelProvider(model), agents=AgentRegistry([general, DESK]))
    limits = TenantLimits(daily_budget_usd=Decimal("50"), monthly_budget_usd=Decimal("500"))
    runtime.tenants.put(
        Tenant(
            tenant_id="acme",
            name="Acme",
            enabled_agents=("general", "desk"),
            writes="confirm",
            limits=limits,
        )
    )
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="ada", scopes=("chat:write", "audit:read"))
    with serve_stack(runtime) as base:
        yield base, {"X-API-Key": key}


def test_each_function_performs_only_actions_its_role_grants(
    stack: tuple[str, dict[str, str]], performed: Performed
) -> None:
    base, headers = stack
    chat = base + "/agents/desk/chat"
    cfn = deployed()
    keyed = headers | {"Idempotency-Key": "who-1"}

    performed.clear()
    first = httpx.post(chat, json={"message": "who am I?"}, headers=keyed, timeout=30)
    retry = httpx.post(chat, json={"message": "who am I?"}, headers=keyed, timeout=30)
    paused = parse(
        httpx.post(chat + "/stream", json={"message": "note this"}, headers=headers, timeout=30).text
    )
    assert paused[-1].data["status"] == "awaiting_confirmation", paused
    session_id = paused[0].data["session_id"]
    decided = httpx.post(
        base + f"/agents/desk/sessions/{session_id}/confirmations/toolu_note",
        json={"approve": False},
        headers=headers,
        timeout=30,
    )
    paused_run = paused[0].data["run_id"]
    replayed = parse(httpx.get(base + f"/executions/{paused_run}/events", headers=headers, timeout=30).text)
    cancelled = httpx.post(base + f"/executions/{paused_run}/cancel", headers=headers, timeout=30)
    chat_did = set(performed.actions)

    assert first.status_code == retry.status_code == decided.status_code == 200, decided.text
    assert replayed[-1].event == "done" and cancelled.status_code == 409  # (served by the chat function)
    assert paused[-1].data["status"] == "awaiting_confirmation"
    assert {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= chat_did  # all ran
    assert chat_did <= actions(cfn, "ChatFunction"), chat_did - actions(cfn, "ChatFunction")

    performed.clear()
    run_id = first.json()["run_id"]
    for path in (
        "/agents",
        "/executions",
        f"/executions/{run_id}",
        "/agents/desk/executions",
        "/api/v1/agent/executions",
        f"/api/v1/agent/execution/{run_id}",
        "/api/v1/tenant/info",
        "/sessions",
        f"/sessions/{session_id}/messages",
        f"/executions?agent=desk&session={session_id}&status=completed&from=2026-01-01T00:00:00Z",
    ):
        assert httpx.get(base + path, headers=headers, timeout=10).status_code == 200, path
    deleted = httpx.delete(base + f"/sessions/{session_id}", headers=headers, timeout=10)
    executions_did = set(performed.actions)

    assert deleted.status_code == 204, deleted.text
    assert "dynamodb:BatchWriteItem" in executions_did  # the delete ran
    assert executions_did, "the listings read the table"
    assert executions_did <= actions(cfn, "ExecutionsFunction"), executions_did - actions(
        cfn, "ExecutionsFunction"
    )

    performed.clear()
    assert httpx.get(base + "/health", timeout=10).status_code == 200
    assert set(performed.actions) <= actions(cfn, "HealthFunction")


def test_the_audit_export_performs_only_actions_its_role_grants_under_its_prefixes(
    performed: Performed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: two tenants with audit entries on a day, and the bucket
    runtime = Runtime(Settings(table_name=TABLE, region="us-east-1", model_provider="local"))
    ensure_table(TABLE)
    for tenant_id in ("acme", "globex"):
        runtime.tenants.put(Tenant(tenant_id=tenant_id, name=tenant_id))
        for n in range(3):
            runtime.audit.record(tenant_id, audit_entry(tenant_id, n))
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="audit-bucket")
    monkeypatch.setenv("AUDIT_BUCKET", "audit-bucket")
    get_settings.cache_clear()
    cfn = deployed()

    # When: the function exports every tenant's day, twice (the second run resumes: lists, skips)
    performed.clear()
    for _ in range(2):
        done = load_function("audit_export").handler({"date": "2026-11-28"}, None)
        assert [t["entries"] for t in done["tenants"]] == [3, 3]

    # Then: every action is granted, and every key is under the prefixes the grants name
    assert {"dynamodb:Query", "s3:PutObject", "s3:ListBucket"} <= performed.actions
    assert performed.actions <= actions(cfn, "AuditExportFunction"), performed.actions - actions(
        cfn, "AuditExportFunction"
    )
    assert performed.s3_keys
    assert all(key.startswith(("audit/", "audit-manifests/")) for key in performed.s3_keys), performed.s3_keys


def audit_entry(tenant_id: str, n: int) -> AuditEntry:
    return AuditEntry(
        call_id=f"toolu_{n}",
        tool="tenant_info",
        input={},
        ok=True,
        started_at=f"2026-11-28T10:00:0{n}.000Z",
        run_id=f"run_{n}",
        session_id="ses_1",
        agent_id="general",
        caller_id=f"{tenant_id}-user",
    )
