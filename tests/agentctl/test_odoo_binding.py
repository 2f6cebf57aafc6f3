"""``agentctl tenant create|update|show`` and the Odoo binding: the companies, language and time
zone every call is made in, and no Odoo URL that would carry the API key in clear."""

from __future__ import annotations

import pytest

from agent_core import Runtime, Tenant
from agent_core.tenancy import STORED
from tests.agentctl.conftest import Agentctl, one_error_line
from tests.conftest import RuntimeFactory


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return make_runtime(tenant_cache_seconds=0)


def binding(runtime: Runtime, tenant_id: str = "initech") -> tuple[object, ...]:
    tenant = runtime.tenants.get(tenant_id)
    assert tenant is not None and tenant.odoo is not None
    odoo = tenant.odoo
    return (str(odoo.url), odoo.db, odoo.companies, odoo.lang, odoo.tz)


def test_create_sets_the_companies_language_and_time_zone_and_show_tells_them(
    ctl: Agentctl, runtime: Runtime
) -> None:
    created = ctl(
        "tenant", "create", "initech", "--name", "Initech", "--odoo-url", "https://erp.initech.example",
        "--odoo-db", "initech", "--odoo-company", "3", "--odoo-company", "1,2", "--odoo-lang", "fr_FR",
        "--odoo-tz", "Europe/Paris",
    )  # fmt: skip
    assert created.code == 0, created.err

    assert binding(runtime) == ("https://erp.initech.example/", "initech", (3, 1, 2), "fr_FR", "Europe/Paris")
    shown = ctl("tenant", "show", "initech")
    assert "odoo companies  3, 1, 2" in shown.out
    assert "odoo lang       fr_FR" in shown.out and "odoo tz         Europe/Paris" in shown.out
    data = ctl("tenant", "show", "initech", "--json").data["odoo"]
    assert (data["companies"], data["lang"], data["tz"]) == ([3, 1, 2], "fr_FR", "Europe/Paris")


def test_update_changes_only_what_it_is_given_and_none_drops_a_choice(
    ctl: Agentctl, runtime: Runtime
) -> None:
    ctl(
        "tenant", "create", "initech", "--name", "Initech", "--odoo-url", "https://erp.initech.example",
        "--odoo-db", "initech", "--odoo-company", "2", "--odoo-tz", "America/New_York",
    )  # fmt: skip

    assert ctl("tenant", "update", "initech", "--odoo-lang", "es_419").code == 0
    assert binding(runtime) == ("https://erp.initech.example/", "initech", (2,), "es_419", "America/New_York")
    assert ctl("tenant", "update", "initech", "--odoo-db", "initech2").code == 0
    assert binding(runtime)[1:] == ("initech2", (2,), "es_419", "America/New_York")  # kept
    assert ctl("tenant", "update", "initech", "--odoo-company", "none", "--odoo-tz", "none").code == 0
    assert binding(runtime)[2:] == ((), "es_419", None)
    shown = ctl("tenant", "show", "initech").out
    assert (
        "odoo companies  (all of the Odoo user's)" in shown and "odoo tz         (the Odoo user's)" in shown
    )


def test_a_plain_http_url_is_refused_unless_it_is_loopback(ctl: Agentctl, runtime: Runtime) -> None:
    refused = ctl(
        "tenant",
        "create",
        "initech",
        "--name",
        "I",
        "--odoo-url",
        "http://erp.initech.example",
        "--odoo-db",
        "i",
    )
    error = one_error_line(refused, 2)
    assert (
        "--odoo-url: " in error and "must use https" in error and "the API key goes with every call" in error
    )
    assert runtime.tenants.get("initech") is None

    local = ctl(
        "tenant", "create", "initech", "--name", "I", "--odoo-url", "http://127.0.0.1:8069", "--odoo-db", "i"
    )
    assert local.code == 0, local.err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--odoo-tz", "Mars/Olympus"], "--odoo-tz: Value error, 'Mars/Olympus' is not an IANA time zone"),
        (["--odoo-lang", "French"], "--odoo-lang: Value error, 'French' is not an Odoo language code"),
        (["--odoo-company", "1,x"], "--odoo-company wants company ids (whole numbers from 1), not 'x'"),
        (["--odoo-company", "2,2"], "--odoo-company: Value error, a company is named twice"),
        (["--odoo-company", "none"], "--odoo-company wants company ids"),  # nothing to drop on create
    ],
)
def test_a_language_zone_or_company_odoo_would_not_take_is_refused(
    ctl: Agentctl, options: list[str], expected: str
) -> None:
    result = ctl(
        "tenant",
        "create",
        "initech",
        "--name",
        "I",
        "--odoo-url",
        "https://e.example",
        "--odoo-db",
        "i",
        *options,
    )

    assert expected in one_error_line(result, 2)


def test_a_binding_stored_in_plain_http_must_be_fixed_at_the_next_update(
    ctl: Agentctl, runtime: Runtime
) -> None:
    # Written before the rule: the store still reads it (the tools refuse it at call time).
    old = Tenant.model_validate(
        {"tenant_id": "initech", "name": "Initech", "odoo": {"url": "http://erp.initech.example", "db": "i"}},
        context=STORED,
    )
    runtime.tenants.put(old)
    assert ctl("tenant", "show", "initech").code == 0

    unrelated = ctl("tenant", "update", "initech", "--plan", "growth")
    assert "--odoo-url: " in one_error_line(unrelated, 2)
    fixed = ctl(
        "tenant", "update", "initech", "--plan", "growth", "--odoo-url", "https://erp.initech.example"
    )
    assert fixed.code == 0, fixed.err
    assert binding(runtime)[0] == "https://erp.initech.example/"
