"""What a tenant's Odoo offers decides which Odoo tools can work: each tool declares the models it
reads, a binding is probed once (version, then the read right on each model) and cached, and a
missing app or right found at call time is a readable error that makes the next turn probe again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agent_core import Tenant, ToolError, ToolServices
from agent_core.tools.odoo import ODOO_TOOLS
from agent_core.tools.odoo.apps import APP_OF_MODEL
from agent_core.tools.odoo.capabilities import (
    CAPABILITY_SECONDS,
    FAILED_PROBE_SECONDS,
    TOOL_MODELS,
    Capabilities,
    OdooCapabilities,
)
from agent_core.tools.odoo.connection import connection_of
from agent_core.tools.odoo.finance import list_gl_accounts
from agent_core.tools.odoo.marketing import get_campaign_metrics
from agent_core.tools.odoo.offer import unavailable_tools
from local.erp import RunningErp, restricted_credentials, start_erp
from tests.support.erp import TODAY, invoke, odoo_secret, odoo_tenant, run_context
from tests.support.sockets import closed_url, silent_url

pytestmark = pytest.mark.anyio
HTTP_TIMEOUT_SECONDS = 3.0
NAMES = [tool.name for tool in ODOO_TOOLS]
FINANCE = {"get_gl_balance", "list_gl_accounts", "get_cash_flow", "get_bank_balance", "get_bank_transactions"}
WAREHOUSE = {"get_stock_levels", "get_reorder_alerts", "get_slow_moving_stock", "get_pending_receipts"}


@pytest.fixture(scope="module")
def erp() -> Iterator[RunningErp]:
    with start_erp(today=TODAY, uninstalled={"globex": {"mass_mailing"}}) as running:
        yield running


def restricted_secret(db: str) -> dict[str, str]:
    login, key = restricted_credentials(db)
    return {"odoo_login": login, "odoo_api_key": key}


async def offer(services: ToolServices, tenant: Tenant, secret: dict[str, Any]) -> Any:
    return await unavailable_tools(services, tenant, lambda: dict(secret), NAMES)


@pytest.mark.parametrize("db", ["acme", "globex"])
async def test_each_tool_reads_only_the_models_it_declares(db: str, services: ToolServices) -> None:
    with start_erp(today=TODAY) as erp:
        ctx = run_context(odoo_tenant(db, erp.url), odoo_secret(db), services)
        for tool in ODOO_TOOLS:
            erp.erp.contexts.clear()
            await invoke(tool, ctx)
            read = {model for (_, model, _, _) in erp.erp.contexts}
            assert read <= set(TOOL_MODELS[tool.name]), (tool.name, read - set(TOOL_MODELS[tool.name]))
    assert set(TOOL_MODELS) == set(NAMES)
    assert all(model in APP_OF_MODEL for models in TOOL_MODELS.values() for model in models)


async def test_a_database_with_every_app_and_right_offers_every_tool(
    erp: RunningErp, services: ToolServices
) -> None:
    found = await offer(services, odoo_tenant("acme", erp.url), odoo_secret("acme"))

    assert found.unavailable == {} and found.note is None


async def test_without_email_marketing_the_campaign_tool_is_unavailable_and_why(
    erp: RunningErp, services: ToolServices
) -> None:
    found = await offer(services, odoo_tenant("globex", erp.url), odoo_secret("globex"))

    assert found.unavailable == {
        "get_campaign_metrics": "the Email Marketing (module mass_mailing) app is not installed "
        "(no model mailing.mailing)"
    }


async def test_a_restricted_user_is_offered_only_the_tools_its_rights_allow(
    erp: RunningErp, services: ToolServices
) -> None:
    found = await offer(services, odoo_tenant("acme", erp.url), restricted_secret("acme"))

    assert set(found.unavailable) == FINANCE | WAREHOUSE | {"reconcile_account", "get_campaign_metrics"}
    assert found.unavailable["list_gl_accounts"] == (
        "the Odoo user lacks the read right on account.account of the Invoicing (module account) app"
    )
    assert (
        "mailing.mailing of the Email Marketing (module mass_mailing) app"
        in found.unavailable["get_campaign_metrics"]
    )


async def test_a_restricted_users_missing_right_is_a_readable_tool_error_naming_the_right(
    erp: RunningErp, services: ToolServices
) -> None:
    ctx = run_context(odoo_tenant("acme", erp.url), restricted_secret("acme"), services)

    with pytest.raises(ToolError) as caught:
        await invoke(list_gl_accounts, ctx)

    assert caught.value.code == "odoo_access_error"
    message = caught.value.message
    assert message.startswith("Odoo denied access: You are not allowed to access 'Account' (account.account)")
    assert "lacks the read right on account.account (the Invoicing (module account) app)" in message
    assert "Odoo grants it to: Accounting / Billing; Accounting / Read-only." in message
    assert "retrying will not help" in message


async def test_a_warm_offer_asks_odoo_nothing(erp: RunningErp, services: ToolServices) -> None:
    tenant = odoo_tenant("globex", erp.url)
    first = await offer(services, tenant, odoo_secret("globex"))
    before = sum(erp.calls.values())

    again = await offer(services, tenant, odoo_secret("globex"))

    assert again == first and sum(erp.calls.values()) == before


async def test_a_missing_model_met_at_call_time_is_readable_and_makes_the_next_offer_probe_again(
    services: ToolServices,
) -> None:
    with start_erp(today=TODAY) as erp:
        tenant = odoo_tenant("globex", erp.url)
        assert (await offer(services, tenant, odoo_secret("globex"))).unavailable == {}
        erp.erp.missing["globex"] = frozenset({"mailing.mailing"})  # Email Marketing uninstalled since
        probes = erp.calls["common.version"]

        with pytest.raises(ToolError) as caught:
            await invoke(get_campaign_metrics, run_context(tenant, odoo_secret("globex"), services))
        after = await offer(services, tenant, odoo_secret("globex"))

    assert caught.value.code == "odoo_missing_model"
    assert caught.value.message == (
        "the workspace's Odoo has no mailing.mailing records to read: the Email Marketing (module "
        "mass_mailing) app is not installed there. This tool cannot work until an operator installs it; "
        "retrying will not help."
    )
    assert erp.calls["common.version"] == probes + 1
    assert set(after.unavailable) == {"get_campaign_metrics"}


async def test_an_odoo_that_does_not_answer_hides_no_tool_and_says_so(services: ToolServices) -> None:
    down = await offer(services, odoo_tenant("acme", closed_url()), odoo_secret("acme"))
    with silent_url() as url:
        silent = await unavailable_tools(
            services, odoo_tenant("acme", url), lambda: odoo_secret("acme"), NAMES, within=0.5
        )

    assert down.unavailable == {} and down.note is not None
    assert "could not reach the Odoo server at 127.0.0.1" in down.note and "offered as is" in down.note
    assert silent.unavailable == {} and silent.note is not None and "did not answer in time" in silent.note


async def test_a_tenant_without_odoo_or_credentials_is_not_probed(services: ToolServices) -> None:
    unbound = await offer(services, odoo_tenant("acme", None), odoo_secret("acme"))
    no_secret = await offer(services, odoo_tenant("acme", "https://erp.example.com"), {})

    assert unbound.unavailable == {} and unbound.note is None
    assert no_secret.unavailable == {} and no_secret.note is not None and "odoo_api_key" in no_secret.note


def test_what_is_known_of_a_binding_expires_a_failed_probe_sooner() -> None:
    now = [1000.0]
    cache = OdooCapabilities(now=lambda: now[0])
    known, failed = ("u", "d", "l", "k1"), ("u", "d", "l", "k2")
    cache.put(known, Capabilities(version="17.0"))
    cache.put(failed, Capabilities(failure="down"))

    now[0] += FAILED_PROBE_SECONDS + 1
    assert cache.get(known) == Capabilities(version="17.0") and cache.get(failed) is None
    now[0] += CAPABILITY_SECONDS
    assert cache.get(known) is None
    cache.put(known, Capabilities(version="17.0"))
    cache.forget(known)
    assert cache.get(known) is None


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("15.0", False),
        ("16.0", True),
        ("17.0", True),
        ("saas~17.2", True),
        ("18.0", True),
        ("19.0", True),
        ("20.0", False),
    ],
)
def test_versions_16_to_19_are_supported(version: str, supported: bool) -> None:
    why = Capabilities(version=version).why_not("get_stock_levels")

    assert (why is None) == supported
    if not supported:
        assert why == f"Odoo {version} is not supported (16.0 to 19.0 are)"


@pytest.mark.parametrize("version", ["16.0", "18.0", "19.0"])
async def test_the_probe_reads_the_version_the_server_answers(version: str, services: ToolServices) -> None:
    with start_erp(today=TODAY, version=version) as erp:
        tenant = odoo_tenant("acme", erp.url)
        found = await offer(services, tenant, odoo_secret("acme"))
    assert tenant.odoo is not None
    key = connection_of(tenant.odoo, odoo_secret("acme")).cache_key

    assert found.unavailable == {}
    assert services.odoo_capabilities.get(key) == Capabilities(version=version)


@pytest.mark.parametrize(("version", "method"), [("17.0", "check_access_rights"), ("18.0", "has_access")])
async def test_the_probe_asks_rights_as_the_servers_version_does(
    version: str, method: str, services: ToolServices
) -> None:
    with start_erp(today=TODAY, version=version) as erp:
        found = await offer(services, odoo_tenant("acme", erp.url), restricted_secret("acme"))
        asked = {name.rsplit(".", 1)[1] for name in erp.calls if name.rsplit(".", 1)[1] in RIGHTS_CHECKS}

    # 18.0 deprecates check_access_rights and saas~19.1 removes it (odoo/odoo#226551): from 18.0 on
    # the probe asks has_access, which a 17.0 server does not have.
    assert asked == {method}
    assert found.unavailable["list_gl_accounts"] == (
        "the Odoo user lacks the read right on account.account of the Invoicing (module account) app"
    )
    assert "get_pipeline_value" not in found.unavailable


RIGHTS_CHECKS = {"check_access_rights", "has_access"}
