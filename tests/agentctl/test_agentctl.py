"""agentctl, the operators' console: tenants, keys and credentials, on the local stack or a deployed one.

Commands run in-process against moto (the autouse ``mock_aws``) and are checked through the same
stores the functions read; one story runs the real console script against `make dev`'s stack.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import boto3
import httpx
import pytest

from agent_core import Agent, Authenticator, Runtime, Unauthorized, Usage, default_agents
from agent_core.tenancy import TenantLimits
from agentctl.secrets import KNOWN_FIELDS
from local.dev import DEFAULT_TABLE
from local.template import ROOT, table_resource
from tests.agentctl.conftest import Agentctl, Result, one_error_line
from tests.conftest import RuntimeFactory
from tests.support.dev_stack import agentctl, local_stack

KEY = re.compile(r"ak_[A-Za-z0-9_-]{43,}")


@pytest.fixture
def runtime(make_runtime: RuntimeFactory) -> Runtime:
    """What the functions see: the same table, through the runtime's own stores (caches off)."""
    return make_runtime(tenant_cache_seconds=0, secret_cache_seconds=0)


# --- tenants -------------------------------------------------------------------------------


def test_a_new_tenant_gets_the_general_agent_and_shadow_writes(
    ctl: Agentctl, runtime: Runtime, table: str
) -> None:
    created = ctl("tenant", "create", "initech", "--name", "Initech")
    assert created.code == 0, created.err
    assert "Created tenant initech" in created.out
    # The next steps are whole command lines on the same target, ready to paste.
    assert f"agentctl --table {table} key create initech --caller <who>" in created.out
    assert f"agentctl --table {table} secret set initech" in created.out

    tenant = runtime.tenants.get("initech")
    assert tenant is not None
    assert (tenant.name, tenant.plan, tenant.enabled_agents) == ("Initech", "standard", ("general",))
    assert tenant.write_mode("general") == "shadow" and tenant.created_at

    shown = ctl("tenant", "show", "initech", "--json")
    assert shown.data["enabled_agents"] == ["general"] and shown.data["odoo"] is None


def test_a_tenant_is_created_with_its_bindings_and_write_modes(ctl: Agentctl, runtime: Runtime) -> None:
    created = ctl(
        "tenant", "create", "initech", "--name", "Initech", "--plan", "enterprise",
        "--agents", "general,projects,crm", "--odoo-url", "https://erp.initech.example",
        "--odoo-db", "initech", "--projects-url", "https://projects.initech.example/api",
        "--agent-writes", "projects=live", "--model", "claude-haiku-5",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert "agent crm is not one this runtime defines" in created.err  # a warning, not a refusal
    assert "agent projects" not in created.err

    tenant = runtime.tenants.get("initech")
    assert tenant is not None and tenant.odoo is not None
    assert (str(tenant.odoo.url), tenant.odoo.db) == ("https://erp.initech.example/", "initech")
    assert str(tenant.projects_url) == "https://projects.initech.example/api"
    assert tenant.write_mode("projects") == "live" and tenant.write_mode("general") == "shadow"
    assert tenant.model == "claude-haiku-5" and tenant.plan == "enterprise"

    shown = ctl("tenant", "show", "initech")
    assert "https://erp.initech.example/ (db initech)" in shown.out
    assert "shadow, projects=live" in shown.out


def test_creating_a_tenant_twice_is_refused_and_the_first_is_kept(ctl: Agentctl, runtime: Runtime) -> None:
    assert ctl("tenant", "create", "initech", "--name", "Initech").code == 0
    again = ctl("tenant", "create", "initech", "--name", "Initrode")
    assert "tenant initech already exists" in one_error_line(again, 1)
    tenant = runtime.tenants.get("initech")
    assert tenant is not None and tenant.name == "Initech"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["initech#acme", "--name", "X"], "tenant_id must be 1-64 characters"),
        (["initech", "--name", "X", "--odoo-url", "not a url", "--odoo-db", "d"], "--odoo-url: "),
        (["initech", "--name", "X", "--projects-url", "ftp//nope"], "--projects-url: "),
        (
            ["initech", "--name", "X", "--odoo-url", "https://erp.example"],
            "--odoo-url and --odoo-db go together",
        ),
        (["initech", "--name", "X", "--agent-writes", "projects=yolo"], "--agent-writes wants AGENT=MODE"),
        (["initech", "--name", "X", "--agents", "general,fin#ance"], "agent id must be"),
        (["initech", "--name", "X", "--agents", ","], "--agents needs at least one agent"),
        (["initech", "--name", " "], "--name cannot be empty"),
    ],
)
def test_invalid_tenant_options_are_usage_errors_and_nothing_is_written(
    ctl: Agentctl, runtime: Runtime, argv: list[str], message: str
) -> None:
    result = ctl("tenant", "create", *argv)
    assert message in one_error_line(result, 2)
    assert runtime.tenants.list() == []


def test_argparse_usage_errors_exit_2(ctl: Agentctl) -> None:
    missing_name = ctl("tenant", "create", "initech")
    assert missing_name.code == 2 and "--name" in missing_name.err
    bad_mode = ctl("tenant", "create", "initech", "--name", "I", "--writes", "sometimes")
    assert bad_mode.code == 2 and "invalid choice" in bad_mode.err


def test_update_changes_only_the_given_options_and_can_unbind(ctl: Agentctl, runtime: Runtime) -> None:
    ctl(
        "tenant", "create", "initech", "--name", "Initech", "--odoo-url", "https://erp.initech.example",
        "--odoo-db", "initech", "--projects-url", "https://projects.initech.example",
        "--agent-writes", "general=live", "--model", "claude-haiku-5",
    )  # fmt: skip

    assert ctl("tenant", "update", "initech", "--plan", "growth", "--odoo-db", "initech2").code == 0
    tenant = runtime.tenants.get("initech")
    assert tenant is not None and tenant.odoo is not None
    assert (tenant.plan, tenant.name, tenant.odoo.db) == ("growth", "Initech", "initech2")
    assert str(tenant.odoo.url) == "https://erp.initech.example/"  # kept: only the db was given
    assert tenant.projects_url is not None and tenant.write_mode("general") == "live"

    updated = ctl(
        "tenant", "update", "initech", "--no-odoo", "--no-projects", "--no-model",
        "--agent-writes", "general=inherit", "--json",
    )  # fmt: skip
    assert updated.code == 0, updated.err
    assert updated.data["odoo"] is None and updated.data["projects_url"] is None
    tenant = runtime.tenants.get("initech")
    assert tenant is not None
    assert (tenant.odoo, tenant.projects_url, tenant.model, tenant.agent_writes) == (None, None, None, {})
    assert tenant.plan == "growth" and tenant.created_at  # untouched


def _agent(agent_id: str) -> Agent:
    agent = default_agents().get(agent_id)
    assert agent is not None
    return agent


def test_thinking_is_set_per_agent_merged_on_update_and_dropped_with_inherit(
    ctl: Agentctl, runtime: Runtime
) -> None:
    created = ctl(
        "tenant", "create", "initech", "--name", "Initech", "--agents", "general,finance",
        "--agent-thinking", "finance=disabled", "--agent-effort", "general=low",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert "finance=disabled, general=low" in created.out

    assert ctl("tenant", "update", "initech", "--agent-effort", "finance=max").code == 0
    tenant = runtime.tenants.get("initech")
    assert tenant is not None
    finance = tenant.thinking("finance", _agent("finance").thinking)
    assert (finance.mode, finance.effort) == ("disabled", "max")

    ctl(
        "tenant", "update", "initech",
        "--agent-thinking", "finance=inherit", "--agent-effort", "finance=inherit",
    )  # fmt: skip
    tenant = runtime.tenants.get("initech")
    assert tenant is not None and set(tenant.agent_thinking) == {"general"}
    bad = ctl("tenant", "update", "initech", "--agent-effort", "general=extreme")
    assert "--agent-effort wants AGENT=EFFORT with EFFORT one of low, medium, high" in one_error_line(bad, 2)


def test_update_refuses_nothing_contradictions_and_unknown_tenants(ctl: Agentctl) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    assert "nothing to change" in one_error_line(ctl("tenant", "update", "initech"), 2)
    both = ctl("tenant", "update", "initech", "--no-odoo", "--odoo-url", "https://erp.example")
    assert "--no-odoo cannot go with --odoo-url" in one_error_line(both, 2)
    lone = ctl("tenant", "update", "initech", "--odoo-db", "x")
    assert "the tenant has no Odoo binding yet" in one_error_line(lone, 2)
    unknown = ctl("tenant", "update", "initrode", "--plan", "growth")
    assert "no tenant initrode in table agent-runtime-test" in one_error_line(unknown, 1)
    assert "no tenant initrode" in one_error_line(ctl("tenant", "show", "initrode"), 1)


def test_a_tenants_own_origins_are_set_replaced_cleared_and_checked(ctl: Agentctl, runtime: Runtime) -> None:
    created = ctl(
        "tenant", "create", "initech", "--name", "Initech",
        "--allowed-origins", "https://app.initech.example,https://Admin.initech.example:8443",
    )  # fmt: skip
    assert created.code == 0, created.err
    tenant = runtime.tenants.get("initech")
    assert tenant is not None
    assert tenant.allowed_origins == ("https://app.initech.example", "https://admin.initech.example:8443")

    assert ctl("tenant", "update", "initech", "--allowed-origins", "").code == 0
    tenant = runtime.tenants.get("initech")
    assert tenant is not None and tenant.allowed_origins == ()
    with_path = ctl("tenant", "update", "initech", "--allowed-origins", "https://app.initech.example/chat")
    assert "--allowed-origins" in one_error_line(with_path, 2) and "is not an origin" in with_path.err
    assert "'*' is a deployment's choice" in one_error_line(
        ctl("tenant", "update", "initech", "--allowed-origins", "*"), 2
    )


def test_list_shows_every_tenant_in_order(ctl: Agentctl) -> None:
    assert ctl("tenant", "list").out == "No tenants yet.\n"
    ctl("tenant", "create", "initech", "--name", "Initech")
    ctl("tenant", "create", "acme", "--name", "Acme Corporation", "--writes", "live")
    listed = ctl("tenant", "list")
    lines = listed.out.splitlines()
    assert lines[0].split() == ["TENANT", "NAME", "PLAN", "AGENTS", "WRITES"]
    assert [line.split()[0] for line in lines[1:]] == ["acme", "initech"]
    assert [t["tenant_id"] for t in ctl("tenant", "list", "--json").data] == ["acme", "initech"]


# --- limits and budgets --------------------------------------------------------------------


def test_limits_and_budgets_are_set_merged_and_removed(ctl: Agentctl, runtime: Runtime) -> None:
    created = ctl(
        "tenant", "create", "initech", "--name", "Initech", "--turns-per-minute", "20",
        "--tool-rate", "web_search=2", "--daily-budget", "25", "--monthly-budget", "$400.50",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert "20 a minute" in created.out and "30 a second of each tool, web_search=2" in created.out
    assert "$25 a day, $400.50 a month" in created.out

    assert (
        ctl(
            "tenant", "update", "initech", "--tool-rate", "visit_webpage=5", "--tool-calls-per-second", "9"
        ).code
        == 0
    )
    tenant = runtime.tenants.get("initech")
    assert tenant is not None
    limits = tenant.limits
    assert (limits.turns_per_minute, limits.tool_calls_per_second) == (20, 9)
    assert (limits.tool_rate("web_search"), limits.tool_rate("visit_webpage"), limits.tool_rate("x")) == (
        2,
        5,
        9,
    )
    assert (limits.daily_budget_usd, limits.monthly_budget_usd) == (Decimal("25"), Decimal("400.50"))

    updated = ctl(
        "tenant", "update", "initech", "--tool-rate", "web_search=inherit", "--no-daily-budget", "--json"
    )
    assert updated.code == 0, updated.err
    assert updated.data["limits"]["tool_calls_per_second_by_tool"] == {"visit_webpage": 5}
    assert updated.data["limits"]["daily_budget_usd"] is None
    assert updated.data["limits"]["monthly_budget_usd"] == "400.50"
    assert "$400.50 a month" in ctl("tenant", "show", "initech").out


def test_bad_limits_are_usage_errors_naming_the_option(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    for argv, message in (
        (("--turns-per-minute", "0"), "--turns-per-minute: Input should be greater than or equal to 1"),
        (("--daily-budget", "lots"), "--daily-budget wants an amount in USD, like 25 or 12.50, not 'lots'"),
        (("--monthly-budget", "-3"), "--monthly-budget: Input should be greater than 0"),
        (
            ("--daily-budget", "1.005"),
            "--daily-budget: Decimal input should have no more than 2 decimal places",
        ),
        (("--tool-rate", "web_search=fast"), "--tool-rate wants TOOL=N with N a whole number above 0"),
        (("--no-daily-budget", "--daily-budget", "5"), "--no-daily-budget cannot go with --daily-budget"),
    ):
        assert message in one_error_line(ctl("tenant", "update", "initech", *argv), 2), argv
    tenant = runtime.tenants.get("initech")
    assert tenant is not None and tenant.limits == TenantLimits()  # nothing was written


@pytest.mark.anyio
async def test_usage_shows_today_and_the_month_against_the_budgets(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech", "--daily-budget", "5")
    limits = runtime.limits
    limits.spent(
        "initech",
        "claude-sonnet-5-5",
        Usage(input_tokens=1_000, output_tokens=2_000, cache_read_input_tokens=30_000),
    )
    await limits.flush()

    shown = ctl("tenant", "usage", "initech")
    as_json = ctl("tenant", "usage", "initech", "--json").data

    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0].split() == [
        "PERIOD",
        "SPENT",
        "BUDGET",
        "INPUT",
        "CACHE",
        "WRITE",
        "CACHE",
        "READ",
        "OUTPUT",
    ]
    # 1,000 x $2 + 30,000 x $0.10 + 2,000 x $10 per MTok = $0.025
    assert lines[1].split()[2:] == ["$0.0250", "$5", "1,000", "0", "30,000", "2,000"]
    assert as_json["today"]["usd"] == as_json["month"]["usd"] == "0.025"
    assert as_json["month"]["budget_usd"] is None and as_json["today"]["output_tokens"] == 2_000


# --- API keys ------------------------------------------------------------------------------


def test_a_created_key_authenticates_until_it_is_revoked(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    authenticator = Authenticator(runtime.api_keys, cache_seconds=0)

    created = ctl("key", "create", "initech", "--caller", "peter")
    assert created.code == 0, created.err
    (key,) = KEY.findall(created.out)
    key_id = re.search(r"key_[0-9a-f]{16}", created.out)
    assert key_id is not None and "will not be shown again" in created.out

    caller = authenticator.authenticate(key)
    assert (caller.tenant_id, caller.caller_id, caller.key_id) == ("initech", "peter", key_id.group())

    revoked = ctl("key", "revoke", "initech", key_id.group())
    assert revoked.code == 0 and f"Revoked {key_id.group()}" in revoked.out
    with pytest.raises(Unauthorized):
        authenticator.authenticate(key)


def test_key_list_shows_who_and_when_but_never_the_key(ctl: Agentctl) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    issued = ctl("key", "create", "initech", "--caller", "peter", "--json").data
    ctl("key", "create", "initech", "--caller", "samir")
    ctl("key", "revoke", "initech", issued["key_id"])

    listed = ctl("key", "list", "initech")
    assert listed.code == 0
    assert KEY.search(listed.out) is None and "ak_" not in listed.out
    assert not re.search(r"[0-9a-f]{64}", listed.out)  # nor its hash
    peter = next(line for line in listed.out.splitlines() if "peter" in line)
    samir = next(line for line in listed.out.splitlines() if "samir" in line)
    assert issued["key_id"] in peter and peter.split()[-1] != "-"  # revoked at …
    assert samir.split()[-1] == "-"

    as_json = ctl("key", "list", "initech", "--json")
    assert "ak_" not in as_json.out
    assert {k["caller_id"]: bool(k["revoked_at"]) for k in as_json.data} == {"peter": True, "samir": False}


def test_keys_are_refused_for_unknown_tenants_and_unknown_key_ids(ctl: Agentctl, runtime: Runtime) -> None:
    refused = ctl("key", "create", "initrode", "--caller", "bill")
    assert "no tenant initrode" in one_error_line(refused, 1)
    assert runtime.api_keys.list("initrode") == []
    ctl("tenant", "create", "initech", "--name", "Initech")
    missing = ctl("key", "revoke", "initech", "key_0000000000000000")
    assert "tenant initech has no key key_0000000000000000" in one_error_line(missing, 1)
    assert "(see `agentctl --table agent-runtime-test key list initech`)" in missing.err
    assert "caller id must be" in one_error_line(ctl("key", "create", "initech", "--caller", "a b"), 2)


def test_a_key_gets_the_scopes_asked_for_and_chat_alone_by_default(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    authenticator = Authenticator(runtime.api_keys, cache_seconds=0)

    plain = ctl("key", "create", "initech", "--caller", "peter")
    writer = ctl(
        "key", "create", "initech", "--caller", "samir", "--scopes", "chat:write,audit:read", "--json"
    )

    assert "scopes chat:" in plain.out
    assert authenticator.authenticate(KEY.findall(plain.out)[0]).scopes == ("chat",)
    assert writer.data["scopes"] == ["chat", "chat:write", "audit:read"]
    assert authenticator.authenticate(writer.data["api_key"]).scopes == ("chat", "chat:write", "audit:read")
    listed = ctl("key", "list", "initech")
    assert listed.out.splitlines()[0].split() == ["KEY", "ID", "CALLER", "SCOPES", "CREATED", "REVOKED"]
    rows = {line.split()[1]: line.split()[2] for line in listed.out.splitlines()[1:]}
    assert rows == {"peter": "chat", "samir": "chat,chat:write,audit:read"}


def test_key_update_gives_a_key_exactly_the_scopes_listed(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    created = ctl(
        "key", "create", "initech", "--caller", "peter", "--scopes", "chat,audit:read", "--json"
    ).data
    authenticator = Authenticator(runtime.api_keys, cache_seconds=0)

    updated = ctl("key", "update", "initech", created["key_id"], "--scopes", "chat:write")

    assert updated.code == 0, updated.err
    assert f"Key {created['key_id']} of tenant initech now has scopes chat,chat:write." in updated.out
    assert authenticator.authenticate(created["api_key"]).scopes == ("chat", "chat:write")
    assert [k.scopes for k in runtime.api_keys.list("initech")] == [("chat", "chat:write")]


def test_a_key_stored_before_scopes_lists_as_what_it_may_still_do(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    created = ctl("key", "create", "initech", "--caller", "peter", "--json").data
    (item,) = runtime.table.query(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "TENANT#initech#KEYS"}},
    )[0]
    old = json.loads(item["data"]) | {"scopes": ["chat", "read"]}  # as every key was stored before
    stored = runtime.table.get(item["PK"], item["SK"])
    assert stored is not None
    runtime.table.put(stored | {"data": json.dumps(old)})

    assert ctl("key", "list", "initech", "--json").data[0]["scopes"] == ["chat", "chat:write", "audit:read"]
    ctl("key", "update", "initech", created["key_id"], "--scopes", "chat")
    assert ctl("key", "list", "initech", "--json").data[0]["scopes"] == ["chat"]


def test_scopes_are_refused_when_unknown_and_revoked_keys_keep_theirs(
    ctl: Agentctl, runtime: Runtime
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    unknown = ctl("key", "create", "initech", "--caller", "peter", "--scopes", "chat,write")
    assert (
        "--scopes: unknown scope write; the scopes are: chat, chat:write, audit:read, admin"
        in one_error_line(unknown, 2)
    )
    assert runtime.api_keys.list("initech") == []
    key_id = ctl("key", "create", "initech", "--caller", "peter", "--json").data["key_id"]
    ctl("key", "revoke", "initech", key_id)

    revoked = ctl("key", "update", "initech", key_id, "--scopes", "chat:write")
    missing = ctl("key", "update", "initech", "key_0000000000000000", "--scopes", "chat")

    assert f"key {key_id} is revoked: issue a new key instead" in one_error_line(revoked, 1)
    assert runtime.api_keys.list("initech")[0].scopes == ("chat",)
    assert "tenant initech has no key key_0000000000000000" in one_error_line(missing, 1)
    assert ctl("key", "update", "initech", key_id).code == 2  # --scopes is required


# --- credentials ---------------------------------------------------------------------------

SECRET_VALUES = ("old-login", "tok-1", "peter@initech.example", "s3cr3t-odoo", "zzz", "new-token")


def assert_no_values(result: Result) -> None:
    for value in SECRET_VALUES:
        assert value not in result.out and value not in result.err


def test_secret_set_from_a_file_merges_and_never_prints_a_value(
    ctl: Agentctl, runtime: Runtime, tmp_path: Path
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    runtime.secrets.put_tenant_secret("initech", {"odoo_login": "old-login", "projects_token": "tok-1"})
    credentials = tmp_path / "initech.json"
    credentials.write_text(
        json.dumps(
            {"odoo_login": "peter@initech.example", "odoo_api_key": "s3cr3t-odoo", "odoo_pasword": "zzz"}
        )
    )

    result = ctl("secret", "set", "initech", "--file", str(credentials))
    assert result.code == 0, result.err
    assert_no_values(result)
    assert "warning: odoo_pasword is not a field the runtime reads" in result.err
    assert "Saved secret agent-runtime/tenants/initech" in result.out
    assert runtime.secrets.tenant_secret("initech") == {
        "odoo_login": "peter@initech.example",
        "odoo_api_key": "s3cr3t-odoo",
        "projects_token": "tok-1",  # kept: merged, not replaced
        "odoo_pasword": "zzz",
    }

    credentials.write_text(json.dumps({"odoo_pasword": None, "projects_token": "new-token"}))
    summary = ctl("secret", "set", "initech", "--file", str(credentials), "--json")
    assert_no_values(summary)
    assert summary.data["changed"] == ["odoo_pasword", "projects_token"]
    assert summary.data["set"] == ["odoo_login", "odoo_api_key", "projects_token"]
    assert summary.data["not_set"] == ["anthropic_api_key"]

    credentials.write_text(json.dumps({"anthropic_api_key": "sk-ant-tenant"}))
    assert ctl("secret", "set", "initech", "--file", str(credentials), "--replace").code == 0
    assert runtime.secrets.tenant_secret("initech") == {"anthropic_api_key": "sk-ant-tenant"}


def test_secret_set_prompts_unechoed_and_enter_keeps_the_current_value(
    ctl: Agentctl, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    runtime.secrets.put_tenant_secret("initech", {"odoo_login": "old-login", "projects_token": "tok-1"})
    answers = {"odoo_login": "", "odoo_api_key": "s3cr3t-odoo", "projects_token": "new-token"}
    prompts: list[str] = []

    def getpass(prompt: str = "Password: ", stream: object = None) -> str:
        prompts.append(prompt)
        return answers.get(prompt.split()[0], "")

    monkeypatch.setattr("getpass.getpass", getpass)
    result = ctl("secret", "set", "initech")
    assert result.code == 0, result.err
    assert_no_values(result)
    assert [p.split()[0] for p in prompts] == list(KNOWN_FIELDS)
    assert prompts[0] == "odoo_login (set; Enter keeps it): "
    assert prompts[1] == "odoo_api_key (not set; Enter leaves it unset): "
    assert runtime.secrets.tenant_secret("initech") == {
        "odoo_login": "old-login",
        "odoo_api_key": "s3cr3t-odoo",
        "projects_token": "new-token",
    }

    answers.clear()  # Enter everywhere: nothing to write
    assert "No change" in ctl("secret", "set", "initech").out


def test_secret_set_reads_json_from_stdin(
    ctl: Agentctl, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    monkeypatch.setattr("sys.stdin", io.StringIO('{"projects_token": "tok-1"}'))
    result = ctl("secret", "set", "initech", "--from-stdin")
    assert result.code == 0 and "tok-1" not in result.out
    assert runtime.secrets.tenant_secret("initech") == {"projects_token": "tok-1"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ('["odoo_login"]', "must hold a JSON object"),
        ('{"odoo_login": 42}', "values must be strings (or null to remove): odoo_login"),
    ],
)
def test_a_bad_credentials_file_is_a_usage_error(
    ctl: Agentctl, runtime: Runtime, tmp_path: Path, content: str, message: str
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert message in one_error_line(ctl("secret", "set", "initech", "--file", str(path)), 2)
    missing = ctl("secret", "set", "initech", "--file", str(tmp_path / "absent.json"))
    assert "cannot read" in one_error_line(missing, 2)
    assert runtime.secrets.tenant_secret("initech") == {}


def test_secret_show_lists_fields_with_values_masked(ctl: Agentctl, runtime: Runtime) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    assert "(none yet)" in ctl("secret", "show", "initech").out
    runtime.secrets.put_tenant_secret("initech", {"odoo_login": "old-login", "odoo_pasword": "zzz"})

    shown = ctl("secret", "show", "initech")
    assert_no_values(shown)
    lines = dict(line.split(None, 1) for line in shown.out.splitlines()[1:])
    assert lines["odoo_login"] == "********"
    assert lines["odoo_api_key"] == "(not set)"
    assert lines["odoo_pasword"].startswith("********  (not a field the runtime reads")

    as_json = ctl("secret", "show", "initech", "--json")
    assert_no_values(as_json)
    assert as_json.data["fields"] == {"odoo_login": "********", "odoo_pasword": "********"}
    assert "no tenant initrode" in one_error_line(ctl("secret", "show", "initrode"), 1)


def test_a_secret_written_by_hand_as_plain_text_can_only_be_replaced(
    ctl: Agentctl, runtime: Runtime, tmp_path: Path
) -> None:
    ctl("tenant", "create", "initech", "--name", "Initech")
    boto3.client("secretsmanager").create_secret(Name="agent-runtime/tenants/initech", SecretString="tok-1")
    refused = one_error_line(ctl("secret", "show", "initech"), 1)
    replace = "agentctl --table agent-runtime-test secret set initech --replace"
    assert f"is not JSON: overwrite it with `{replace}`" in refused
    credentials = tmp_path / "initech.json"
    credentials.write_text(json.dumps({"projects_token": "new-token"}))
    assert "is not JSON" in one_error_line(ctl("secret", "set", "initech", "--file", str(credentials)), 1)
    replaced = ctl("secret", "set", "initech", "--file", str(credentials), "--replace")
    assert replaced.code == 0, replaced.err
    assert runtime.secrets.tenant_secret("initech") == {"projects_token": "new-token"}


# --- targets -------------------------------------------------------------------------------


def deploy_stack(name: str) -> dict[str, str]:
    """A stack that creates the table from template.yaml's definition and outputs what agentctl reads."""
    table = {
        k: v
        for k, v in table_resource().items()
        if k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    }
    template = {
        "Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": table}},
        "Outputs": {
            "TableName": {"Value": {"Ref": "Table"}},
            "SecretsPrefix": {"Value": "prod/agent-runtime"},
            "ApiUrl": {"Value": "https://abc123.execute-api.us-east-1.amazonaws.com/v1"},
        },
    }
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    outputs = cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("Outputs", [])
    return {o.get("OutputKey", ""): o.get("OutputValue", "") for o in outputs}


def test_a_deployed_stack_is_found_by_its_outputs(run: Agentctl, make_runtime: RuntimeFactory) -> None:
    outputs = deploy_stack("agents-prod")
    assert outputs["TableName"].startswith("agents-prod-Table-")  # named by CloudFormation

    target = run("target", "--stack", "agents-prod", "--json")
    assert target.code == 0, target.err
    assert {k: target.data[k] for k in ("table_name", "secrets_prefix", "api_url", "region")} == {
        "table_name": outputs["TableName"],
        "secrets_prefix": "prod/agent-runtime",
        "api_url": "https://abc123.execute-api.us-east-1.amazonaws.com/v1",
        "region": "us-east-1",
    }
    assert target.data["sources"]["table_name"] == "stack agents-prod"  # over TABLE_NAME in the env

    created = run(
        "--stack", "agents-prod", "tenant", "create", "initech", "--name", "Initech", "--region", "us-east-1",
        environ={"AGENTCTL_PROG": "./agentctl"},
    )  # fmt: skip
    assert created.code == 0, created.err
    # The suggested next steps act on the same stack, started the same way.
    hint = "./agentctl --stack agents-prod --region us-east-1 key create initech --caller <who>"
    assert hint in created.out
    deployed = make_runtime(table_name=outputs["TableName"])
    assert deployed.tenants.get("initech") is not None
    result = run("secret", "show", "initech", "--stack", "agents-prod", "--json")
    assert result.data["secret_name"] == "prod/agent-runtime/tenants/initech"


def test_an_unknown_stack_is_one_line(run: Agentctl) -> None:
    result = run("tenant", "list", "--stack", "agents-nowhere")
    assert "there is no stack agents-nowhere in us-east-1" in one_error_line(result, 1)


def test_the_local_stack_file_is_found_from_the_working_directory(
    run: Agentctl, table: str, runtime: Runtime, tmp_path: Path
) -> None:
    stack = {
        "region": "us-east-1",
        "table_name": table,
        "secrets_prefix": "dev",
        "api_url": "http://127.0.0.1:3000",
    }
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "stack.json").write_text(json.dumps(stack))
    inside = tmp_path / "docs" / "deep"
    inside.mkdir(parents=True)
    environ = {"TABLE_NAME": "from-the-shell", "AWS_REGION": "eu-west-1"}

    target = run("target", "--local", "--json", environ=environ, cwd=inside)
    assert target.code == 0, target.err
    assert (target.data["table_name"], target.data["region"], target.data["local"]) == (
        table,
        "us-east-1",
        True,
    )
    assert target.data["sources"]["table_name"] == f"stack file {tmp_path / '.local' / 'stack.json'}"

    created = run("--local", "tenant", "create", "initech", "--name", "Initech", environ=environ, cwd=inside)
    assert created.code == 0, created.err
    assert runtime.tenants.get("initech") is not None

    shown = run("target", "--local", "--table", "other", environ=environ, cwd=inside)
    assert "table_name      other  (flag)" in shown.out  # a flag beats the stack file

    assert "no .local/stack.json here or above" in one_error_line(
        run("target", "--local", cwd=tmp_path.parent), 2
    )


def test_the_stack_file_can_be_named(run: Agentctl, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.json"
    path.write_text(
        json.dumps({"endpoint_url": "http://127.0.0.1:9", "region": "us-east-1", "table_name": "t"})
    )
    by_flag = run("target", "--stack-file", str(path), "--json")
    by_env = run("target", "--local", "--json", environ={"AGENTCTL_STACK_FILE": str(path)})
    assert by_flag.data == by_env.data
    assert (
        by_flag.data["endpoint_url"] == "http://127.0.0.1:9"
        and by_flag.data["secrets_prefix"] == "agent-runtime"
    )
    missing = run("target", "--stack-file", str(tmp_path / "gone.json"))
    assert "is `make dev` running?" in one_error_line(missing, 1)


def test_without_a_named_stack_the_environment_decides_and_flags_win(run: Agentctl) -> None:
    from_env = run("target", "--json")  # conftest sets TABLE_NAME and AWS_REGION
    assert from_env.data["table_name"] == "agent-runtime-test"
    assert from_env.data["sources"]["table_name"] == "env TABLE_NAME"
    assert run("target", "--table", "t2", "--json").data["table_name"] == "t2"
    nowhere = run("target", environ={"AWS_REGION": "us-east-1"})
    assert "no target: pass --local" in one_error_line(nowhere, 2)
    both = run("target", "--local", "--stack", "agents-prod")
    assert "--stack and --local" in one_error_line(both, 2)


def test_a_missing_table_or_a_dead_endpoint_is_one_line(run: Agentctl, tmp_path: Path) -> None:
    for command in (("tenant", "list"), ("tenant", "show", "initech"), ("key", "list", "initech")):
        missing = run(*command, "--table", "no-such-table")
        assert "table no-such-table in us-east-1 does not exist" in one_error_line(missing, 1)

    path = tmp_path / "stack.json"  # a stack file left behind by a `make dev` that has stopped
    path.write_text(
        json.dumps({"endpoint_url": "http://127.0.0.1:9", "region": "us-east-1", "table_name": "t"})
    )
    dead = run("tenant", "list", "--stack-file", str(path))
    assert (
        "cannot reach table t in us-east-1 at http://127.0.0.1:9: is `make dev` running?"
        in one_error_line(dead, 1)
    )


# --- end to end ----------------------------------------------------------------------------


def test_an_operator_onboards_a_tenant_on_the_local_stack_and_it_chats(tmp_path: Path) -> None:
    """`make dev`, then the console script in its own process: tenant, credentials, key, a chat."""
    credentials = tmp_path / "initech.json"
    credentials.write_text(json.dumps({"odoo_login": "peter@initech.example", "odoo_api_key": "s3cr3t-odoo"}))
    with local_stack(tmp_path) as stack:
        # `--local` finds this stack's file through AGENTCTL_STACK_FILE (a real `make dev`'s is found
        # from the working directory: .local/stack.json).
        ctl = functools.partial(agentctl, AGENTCTL_STACK_FILE=str(stack.stack_file))
        created = ctl("--local", "tenant", "create", "initech", "--name", "Initech", "--agents", "general")
        assert created.returncode == 0, created.stderr
        # What it suggests next runs as printed: the README's form, on the same stack.
        assert "./agentctl --local key create initech --caller <who>" in created.stdout
        assert "./agentctl --local secret set initech" in created.stdout
        secret = ctl("--local", "secret", "set", "initech", "--file", str(credentials))
        assert secret.returncode == 0, secret.stderr
        assert "s3cr3t-odoo" not in secret.stdout + secret.stderr
        issued = ctl("--local", "key", "create", "initech", "--caller", "peter", "--json")
        assert issued.returncode == 0, issued.stderr
        key = json.loads(issued.stdout)["api_key"]

        reply = httpx.post(
            stack.base_url + "/agents/general/chat",
            json={"message": "who am I? use tenant_info"},
            headers={"X-API-Key": key},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["status"] == "completed"
        assert [call["tool"] for call in body["tool_calls"]] == ["tenant_info"]
        assert "Initech" in body["reply"] and "peter" in body["reply"]

        shown = ctl("--local", "target", "--json")
        assert json.loads(shown.stdout)["table_name"] == DEFAULT_TABLE
        masked = agentctl("secret", "show", "initech", "--stack-file", str(stack.stack_file))
        assert "odoo_api_key" in masked.stdout and "s3cr3t-odoo" not in masked.stdout


# --- where it lives ------------------------------------------------------------------------


def imported_modules(path: Path) -> set[str]:
    """The modules ``path`` imports, by their full names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_lambda_layer_carries_no_cli_and_nothing_deployed_imports_agentctl() -> None:
    layer = ROOT / "layers" / "agent_core" / "agent_core"
    assert [path.relative_to(ROOT) for path in layer.rglob("*") if path.stem == "cli"] == []
    deployed = sorted((ROOT / "functions").rglob("*.py")) + sorted((ROOT / "layers").rglob("*.py"))
    importers = [
        path.relative_to(ROOT)
        for path in deployed
        if any(name == "agentctl" or name.startswith("agentctl.") for name in imported_modules(path))
    ]
    assert deployed and importers == []
