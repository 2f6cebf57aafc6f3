"""Every Odoo call is made in the binding's companies, language and time zone, and an Odoo URL
that would carry the API key in clear is refused, by the binding's validation and at call time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from agent_core import OdooBinding, Tenant, ToolError, ToolServices
from agent_core.tenancy import STORED
from agent_core.tools.odoo import ODOO_TOOLS, odoo
from agent_core.tools.odoo.marketing import get_pipeline_overview
from local.erp import RunningErp
from tests.support.erp import invoke, odoo_secret, run_context, seeded

pytestmark = pytest.mark.anyio
HTTP_TIMEOUT_SECONDS = 3.0
PLACE = {"allowed_company_ids": [1], "lang": "fr_FR", "tz": "Europe/Paris"}


def placed(db: str, url: str, **binding: Any) -> Tenant:
    odoo = OdooBinding.model_validate({"url": url, "db": db, **binding})
    return Tenant(tenant_id=db, name=db, odoo=odoo)


@pytest.mark.parametrize("db", ["acme", "globex"])
async def test_every_tool_sends_the_bindings_companies_language_and_time_zone_on_every_call(
    db: str, erp: RunningErp, services: ToolServices
) -> None:
    tenant = placed(db, erp.url, companies=[1], lang="fr_FR", tz="Europe/Paris")
    ctx = run_context(tenant, odoo_secret(db), services)
    for tool in ODOO_TOOLS:
        erp.erp.contexts.clear()
        await invoke(tool, ctx)
        sent = [(model, method, context) for (on, model, method, context) in erp.erp.contexts if on == db]
        assert sent, tool.name
        for model, method, context in sent:
            # A call's own context (active_test, say) is merged over the binding's, never instead of it.
            assert {k: context.get(k) for k in PLACE} == PLACE, (tool.name, model, method)


async def test_the_client_names_the_companies_it_asks_for_and_a_call_may_add_to_the_context(
    erp: RunningErp, services: ToolServices
) -> None:
    tenant = placed("globex", erp.url, companies=[2, 1], tz="America/New_York")
    client = await odoo(run_context(tenant, odoo_secret("globex"), services))
    erp.erp.contexts.clear()

    count = await client.search_count("res.partner", [], context={"active_test": False, "tz": "UTC"})

    assert client.companies == (2, 1)
    assert count == len(seeded("globex").records("res.partner"))
    assert erp.erp.contexts == [
        (
            "globex",
            "res.partner",
            "search_count",
            {"allowed_company_ids": [2, 1], "tz": "UTC", "active_test": False},
        )
    ]


async def test_a_binding_without_company_language_or_zone_leaves_them_to_the_odoo_user(
    erp: RunningErp, services: ToolServices
) -> None:
    client = await odoo(run_context(placed("acme", erp.url), odoo_secret("acme"), services))
    erp.erp.contexts.clear()

    await client.search_count("res.partner", [])

    assert client.companies == () and erp.erp.contexts == [("acme", "res.partner", "search_count", {})]


async def test_names_come_back_in_the_bindings_language(erp: RunningErp, services: ToolServices) -> None:
    english = await invoke(
        get_pipeline_overview, run_context(placed("acme", erp.url), odoo_secret("acme"), services)
    )
    french = await invoke(
        get_pipeline_overview,
        run_context(placed("acme", erp.url, lang="fr_FR"), odoo_secret("acme"), services),
    )

    def stages(result: Any) -> set[str]:
        return {row["stage"] for row in result["stages"]}

    assert stages(english) <= {"New", "Qualified", "Proposition", "Won"}
    assert stages(french) <= {"Nouveau", "Qualifié", "Proposition", "Gagné"} and "Nouveau" in stages(french)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://erp.example.com", True),
        ("http://127.0.0.1:8069", True),
        ("http://127.8.9.10", True),
        ("http://localhost:8069", True),
        ("http://[::1]:8069", True),
        ("http://erp.example.com", False),
        ("http://10.0.0.5:8069", False),
        ("http://localhost.example.com", False),
        ("ftp://erp.example.com", False),
    ],
)
def test_only_https_or_loopback_http_makes_a_binding(url: str, allowed: bool) -> None:
    if allowed:
        assert OdooBinding.model_validate({"url": url, "db": "acme"})
        return
    with pytest.raises(ValidationError, match=r"must use https|URL scheme"):
        OdooBinding.model_validate({"url": url, "db": "acme"})


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("tz", "Mars/Olympus_Mons", "not an IANA time zone"),
        ("tz", "CEST", "not an IANA time zone"),
        ("lang", "french", "not an Odoo language code"),
        ("companies", [1, 1], "named twice"),
        ("companies", [0], "greater than 0"),
    ],
)
def test_a_binding_refuses_a_zone_a_language_or_companies_odoo_would_not_take(
    field: str, value: Any, problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        OdooBinding.model_validate({"url": "https://erp.example.com", "db": "acme", field: value})
    ok = {"tz": "Europe/Paris", "lang": "es_419", "companies": [2, 1]}[field]
    assert getattr(OdooBinding.model_validate({"url": "https://e.example", "db": "a", field: ok}), field) == (
        tuple(ok) if isinstance(ok, list) else ok
    )


async def test_a_stored_http_binding_is_read_but_refused_at_call_time_before_any_key_is_sent(
    services: ToolServices,
) -> None:
    # A record written before the rule (or around agentctl) still loads: the store reads it so.
    stored = Tenant.model_validate(
        {"tenant_id": "acme", "name": "Acme", "odoo": {"url": "http://erp.example.com", "db": "acme"}},
        context=STORED,
    )
    secrets_read: list[bool] = []

    def secret() -> dict[str, Any]:
        secrets_read.append(True)
        return odoo_secret("acme")

    ctx = replace(run_context(stored, {}, services), load_tenant_secret=secret)

    for tool in ODOO_TOOLS:
        with pytest.raises(ToolError) as caught:
            await tool.invoke(ctx, {})
        assert caught.value.code == "odoo_insecure_url", tool.name

    assert secrets_read == []  # refused before the credentials were even read
    assert "must use https" in caught.value.message and "agentctl tenant update" in caught.value.message
