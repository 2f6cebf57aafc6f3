"""Through the deployed functions' API: a tenant whose Odoo lacks Email Marketing is not offered
``get_campaign_metrics``, and ``GET /agents`` lists it as unavailable and why; an Odoo that does
not answer fails no listing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent_core import Runtime, TurnRequest, issue_api_key
from agent_core.llm.scripted import say
from agent_core.web import chat_reply
from local.erp import RunningErp, start_erp
from tests.conftest import RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel
from tests.support.aws_calls import AwsCalls
from tests.support.counting_model import CountingModel
from tests.support.erp import TODAY, odoo_secret, odoo_tenant
from tests.support.sockets import closed_url
from tests.support.stack import serve_stack

NO_EMAIL_MARKETING = (
    "the Email Marketing (module mass_mailing) app is not installed (no model mailing.mailing)"
)


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY, uninstalled={"globex": {"mass_mailing"}}) as running:
        yield running


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel([say("Here is what I can do.")])


@pytest.fixture
def runtime(make_runtime: RuntimeFactory, model: ScriptedModel) -> Runtime:
    return make_runtime(model)


def keyed(runtime: Runtime, tenant_id: str, url: str) -> dict[str, str]:
    runtime.tenants.put(odoo_tenant(tenant_id, url))
    runtime.secrets.put_tenant_secret(tenant_id, odoo_secret(tenant_id))
    key, _ = issue_api_key(
        runtime.api_keys, tenant_id, caller_id=f"{tenant_id}-user", scopes=["chat", "chat:write"]
    )
    return {"X-API-Key": key}


def agents(base: str, headers: dict[str, str]) -> dict[str, Any]:
    reply = httpx.get(base + "/agents", headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    return {agent["id"]: agent for agent in reply.json()["agents"]}


def test_get_agents_says_which_tools_cannot_work_for_the_tenant_and_why(
    runtime: Runtime, erp: RunningErp
) -> None:
    globex, acme = keyed(runtime, "globex", erp.url), keyed(runtime, "acme", erp.url)
    with serve_stack(runtime) as base:
        of_globex, of_acme = agents(base, globex), agents(base, acme)

    marketing = of_globex["marketing"]
    assert marketing["unavailable_tools"] == [{"name": "get_campaign_metrics", "reason": NO_EMAIL_MARKETING}]
    assert "get_campaign_metrics" in [tool["name"] for tool in marketing["tools"]]  # the agent has it
    assert marketing["tools_note"] is None
    assert all(agent["unavailable_tools"] == [] for name, agent in of_globex.items() if name != "marketing")
    assert all(agent["unavailable_tools"] == [] for agent in of_acme.values())  # acme's Odoo has every app


def test_the_model_is_not_offered_a_tool_the_tenants_odoo_cannot_serve(
    runtime: Runtime, erp: RunningErp, model: ScriptedModel
) -> None:
    headers = keyed(runtime, "globex", erp.url)
    with serve_stack(runtime) as base:
        reply = httpx.post(
            base + "/agents/marketing/chat",
            json={"message": "How did our campaigns do?"},
            headers=headers,
            timeout=30,
        )

    assert reply.status_code == 200, reply.text
    offered = [tool.name for tool in model.requests[0].tools]
    assert "get_campaign_metrics" not in offered
    assert sorted(offered) == ["get_conversion_rates", "get_lead_scoring", "get_pipeline_overview"]


def test_an_odoo_that_does_not_answer_fails_no_listing_and_is_named(runtime: Runtime) -> None:
    headers = keyed(runtime, "acme", closed_url())
    with serve_stack(runtime) as base:
        listed = agents(base, headers)

    for agent in listed.values():
        assert agent["unavailable_tools"] == []
        if agent["id"] in ("finance", "warehouse", "marketing", "sales"):
            assert "could not reach the Odoo server at 127.0.0.1" in agent["tools_note"]
        else:
            assert agent["tools_note"] is None  # the general agent reads no Odoo


@pytest.mark.anyio
async def test_a_warm_turn_pays_no_probe_and_no_aws_call_for_it(
    make_runtime: RuntimeFactory, erp: RunningErp
) -> None:
    calls = AwsCalls.attached()
    model = CountingModel([say("One."), say("Two.")], calls)
    # Secrets are read anew each time they are needed: a warm turn that read one would show it.
    runtime = make_runtime(model, secret_cache_seconds=0)
    caller = runtime.authenticator.authenticate(keyed(runtime, "globex", erp.url)["X-API-Key"])
    cold = erp.calls["common.version"]

    async def turn() -> None:
        started = await runtime.chat.start(caller, "marketing", TurnRequest(message="How are we doing?"))
        assert (await chat_reply(started)).status == "completed"

    await turn()  # cold: the binding is probed once
    await runtime.limits.flush()
    probes, checks = erp.calls["common.version"], erp.calls["object.execute_kw"]
    assert probes == cold + 1
    calls.reset()
    model.calls_before.clear()

    await turn()

    assert model.calls_before == [0], calls.sent  # nothing asked of AWS before the model request
    assert "secretsmanager.GetSecretValue" not in calls.sent
    assert (erp.calls["common.version"], erp.calls["object.execute_kw"]) == (probes, checks)
    assert "get_campaign_metrics" not in [tool.name for tool in model.requests[-1].tools]
