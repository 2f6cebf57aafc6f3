"""The demo ERP where a real database differs from a single-user, all-apps one: the version it
answers as, a restricted API user whose missing rights raise Odoo's AccessError, a database without
Email Marketing, ``check_access_rights``, the context of every call, and labels in the caller's
language. Expected values come from the seeded dataset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.erp import Erp, RunningErp, credentials, restricted_credentials, start_erp
from local.erp.__main__ import main
from local.erp.errors import AccessError, UserError
from tests.support.erp import TODAY, seeded

ERP = Erp(today=TODAY, uninstalled={"globex": {"mass_mailing"}})


def login(erp: Erp, db: str, credentials_of: Any = credentials) -> tuple[int, str]:
    user, key = credentials_of(db)
    uid = erp.dispatch("common", "authenticate", [db, user, key, {}])
    assert isinstance(uid, int) and uid > 0
    return uid, key


def execute(
    erp: Erp, db: str, model: str, method: str, args: list[Any], kwargs: dict[str, Any], **how: Any
) -> Any:
    uid, key = login(erp, db, how.get("credentials_of", credentials))
    return erp.dispatch("object", "execute_kw", [db, uid, key, model, method, args, kwargs])


@pytest.mark.parametrize("version", ["16.0", "17.0", "18.0", "19.0"])
def test_common_version_answers_as_the_series_asked_for(version: str) -> None:
    answer = Erp(today=TODAY, version=version).dispatch("common", "version", [])

    assert answer["server_serie"] == answer["server_version"] == version
    assert answer["server_version_info"][:2] == [int(version[:2]), 0] and answer["protocol_version"] == 1


def test_the_default_stays_17_and_an_unknown_version_is_refused() -> None:
    assert ERP.dispatch("common", "version", [])["server_serie"] == "17.0"
    with pytest.raises(ValueError, match=r"not '15\.0'"):
        Erp(today=TODAY, version="15.0")


def test_the_restricted_user_is_a_second_login_beside_the_main_one() -> None:
    main_uid, _ = login(ERP, "acme")
    restricted_uid, _ = login(ERP, "acme", restricted_credentials)
    login_name, key = restricted_credentials("acme")

    assert main_uid == seeded("acme").uid and restricted_uid != main_uid
    assert (login_name, key) != credentials("acme")
    # Its key opens no other database, and the main user's key is not its key.
    assert ERP.dispatch("common", "authenticate", ["globex", login_name, key, {}]) is False


def test_a_missing_read_right_raises_odoos_access_error_naming_the_model_and_the_groups() -> None:
    with pytest.raises(AccessError) as caught:
        execute(
            ERP,
            "acme",
            "account.move.line",
            "search_read",
            [[]],
            {"limit": 1},
            credentials_of=restricted_credentials,
        )

    message = str(caught.value)
    assert message.startswith("You are not allowed to access 'Journal Item' (account.move.line) records.\n\n")
    assert "This operation is allowed for the following groups:\n\t- Accounting / Billing" in message
    assert message.endswith("\n\nContact your administrator to request access if necessary.")
    # What it may read, it reads as the main user does.
    leads = execute(ERP, "acme", "crm.lead", "search_count", [[]], {}, credentials_of=restricted_credentials)
    assert leads == execute(ERP, "acme", "crm.lead", "search_count", [[]], {})


def test_check_access_rights_answers_as_odoo_does() -> None:
    def check(model: str, *args: Any, **kwargs: Any) -> Any:
        return execute(
            ERP,
            "acme",
            model,
            "check_access_rights",
            list(args),
            kwargs,
            credentials_of=restricted_credentials,
        )

    assert check("crm.lead", "read", raise_exception=False) is True
    assert check("account.account", "read", raise_exception=False) is False
    with pytest.raises(AccessError, match=r"not allowed to access 'Account' \(account.account\)"):
        check("account.account", "read")
    with pytest.raises(ValueError, match="Invalid access mode"):
        check("crm.lead", "browse", raise_exception=False)
    assert (
        execute(ERP, "acme", "account.account", "check_access_rights", ["read"], {"raise_exception": False})
        is True
    )


def test_a_database_without_email_marketing_has_no_mailing_model() -> None:
    with pytest.raises(UserError, match=r"^Object mailing.mailing doesn't exist$"):
        execute(ERP, "globex", "mailing.mailing", "search_read", [[]], {})
    with pytest.raises(UserError, match="doesn't exist"):
        execute(ERP, "globex", "mailing.mailing", "check_access_rights", ["read"], {"raise_exception": False})
    # The other database, and the other models of this one, are as before.
    assert execute(ERP, "acme", "mailing.mailing", "search_count", [[]], {}) == len(
        seeded("acme").records("mailing.mailing")
    )
    assert execute(ERP, "globex", "crm.stage", "search_count", [[]], {}) == len(
        seeded("globex").records("crm.stage")
    )


def test_a_module_that_installed_models_point_to_cannot_be_left_out() -> None:
    with pytest.raises(ValueError, match=r"sale\.order\.opportunity_id points to crm\.lead"):
        Erp(today=TODAY, uninstalled={"acme": {"crm"}})
    with pytest.raises(ValueError, match="not 'website'"):
        Erp(today=TODAY, uninstalled={"acme": {"website"}})


def test_every_call_records_the_context_it_was_sent_with() -> None:
    erp = Erp(today=TODAY)
    context = {"allowed_company_ids": [1], "lang": "fr_FR", "tz": "Europe/Paris"}

    execute(erp, "acme", "crm.stage", "search_read", [[]], {"fields": ["name"], "context": context})
    execute(erp, "acme", "res.partner", "search_count", [[]], {})

    assert erp.contexts == [
        ("acme", "crm.stage", "search_read", context),
        ("acme", "res.partner", "search_count", {}),
    ]


def test_translatable_labels_come_back_in_the_language_asked_for() -> None:
    data = seeded("acme")
    french = {"lang": "fr_FR"}
    stages = execute(ERP, "acme", "crm.stage", "search_read", [[]], {"fields": ["name"], "context": french})
    english = execute(ERP, "acme", "crm.stage", "search_read", [[]], {"fields": ["name"]})
    grouped = execute(
        ERP,
        "acme",
        "crm.lead",
        "read_group",
        [[], ["expected_revenue:sum"], ["stage_id"]],
        {"context": french},
    )
    accounts = execute(
        ERP,
        "acme",
        "account.account",
        "search_read",
        [[["code", "=", "400000"]]],
        {"fields": ["name", "display_name"], "context": french},
    )

    assert [s["name"] for s in english] == [
        s["name"] for s in sorted(data.records("crm.stage"), key=lambda s: s["sequence"])
    ]
    assert [s["name"] for s in stages] == ["Nouveau", "Qualifié", "Proposition", "Gagné", "En attente"]
    assert {g["stage_id"][1] for g in grouped} <= {
        "Nouveau",
        "Qualifié",
        "Proposition",
        "Gagné",
        "En attente",
    }
    assert accounts == [
        {"id": accounts[0]["id"], "name": "Ventes de produits", "display_name": "400000 Ventes de produits"}
    ]
    # A language without translations falls back to English, as Odoo does.
    assert (
        execute(
            ERP, "acme", "crm.stage", "search_read", [[]], {"fields": ["name"], "context": {"lang": "nl_NL"}}
        )
        == english
    )


@pytest.fixture(scope="module")
def served() -> Iterator[RunningErp]:
    with start_erp(today=TODAY, uninstalled={"globex": {"mass_mailing"}}) as running:
        yield running


def test_on_the_wire_the_errors_are_named_as_odoo_names_them(served: RunningErp) -> None:
    def error(db: str, model: str, login_of: Any) -> dict[str, Any]:
        user, key = login_of(db)
        uid = httpx.post(
            served.url + "/jsonrpc", json=_call("common", "authenticate", db, user, key, {})
        ).json()["result"]
        body = _call("object", "execute_kw", db, uid, key, model, "search_read", [[]], {})
        reply = httpx.post(served.url + "/jsonrpc", json=body).json()
        data: dict[str, Any] = reply["error"]["data"]
        return data

    denied = error("acme", "stock.quant", restricted_credentials)
    missing = error("globex", "mailing.mailing", credentials)

    assert denied["name"] == "odoo.exceptions.AccessError" and "(stock.quant) records." in denied["message"]
    assert (
        missing["name"] == "odoo.exceptions.UserError"
        and missing["message"] == "Object mailing.mailing doesn't exist"
    )


def _call(service: str, method: str, *args: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": args},
        "id": 1,
    }


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--without", "globex:crm"], "sale.order.opportunity_id points to crm.lead"),
        (["--without", "globex"], "want DB:MODULE"),
        (["--without", "initech:mass_mailing"], "want DB:MODULE"),
        (["--version", "15.0"], "invalid choice: '15.0'"),
    ],
)
def test_python_m_local_erp_refuses_what_the_demo_cannot_be(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2 and problem in capsys.readouterr().err


def test_reading_a_record_of_a_company_the_call_does_not_allow_is_odoos_record_rule_error() -> None:
    data = seeded("globex")
    europe = [line["id"] for line in data.records("account.move.line") if line["company_id"] == 2][:2]
    corporation = next(line["id"] for line in data.records("account.move.line") if line["company_id"] == 1)
    user = data.get("res.users", data.uid)

    def read(ids: list[int], companies: list[int]) -> Any:
        context = {"allowed_company_ids": companies}
        return execute(ERP, "globex", "account.move.line", "read", [ids, ["name"]], {"context": context})

    with pytest.raises(AccessError) as refused:
        read([corporation, *europe], [1])
    message = str(refused.value)
    assert message.startswith(
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
        f"Sorry, {user['name']} (id={data.uid}) doesn't have 'read' access to:\n"
        "- Journal Item (account.move.line)\n\n"
        "If you really, really need access, perhaps you can win over your friendly administrator"
    )
    assert message.endswith(  # the API user has that company: switching would help
        "you might be able to access the record by switching to the company: Globex Europe B.V.."  # "%s."
    )
    assert [row["id"] for row in read(europe, [2])] == europe  # allowed: read
    assert [row["id"] for row in read(europe, [])] == europe  # no list: all the user's companies
    partner = data.records("res.partner")[-1]["id"]  # no company_id: shared, read from either company
    shared = execute(
        ERP, "globex", "res.partner", "read", [[partner], ["name"]], {"context": {"allowed_company_ids": [2]}}
    )
    assert shared[0]["id"] == partner


def test_on_18_an_accounts_name_has_its_code_only_in_its_own_current_company() -> None:
    erp, data = Erp(today=TODAY, version="18.0"), seeded("globex")
    line = next(line for line in data.records("account.move.line") if line["company_id"] == 2)
    account = data.get("account.account", line["account_id"])

    def account_of(companies: list[int]) -> Any:
        context = {"allowed_company_ids": companies}
        [row] = execute(
            erp, "globex", "account.move.line", "read", [[line["id"]], ["account_id"]], {"context": context}
        )
        return row["account_id"]

    # addons/account/models/account_account.py (18.0): "<code> <name>" if the code, else the name
    assert account_of([2, 1]) == [account["id"], f"{account['code']} {account['name']}"]
    assert account_of([1, 2]) == [account["id"], account["name"]]
    assert execute(ERP, "globex", "account.move.line", "read", [[line["id"]], ["account_id"]], {})[0][
        "account_id"
    ] == [account["id"], f"{account['code']} {account['name']}"]  # 17.0: the code is the account's own


def test_has_access_answers_from_18_on_as_odoo_does() -> None:
    erp18 = Erp(today=TODAY, version="18.0")

    def has_access(erp: Erp, model: str, *args: Any) -> Any:
        return execute(
            erp, "acme", model, "has_access", list(args), {}, credentials_of=restricted_credentials
        )

    assert has_access(erp18, "crm.lead", [], "read") is True
    assert has_access(erp18, "account.account", [], "read") is False
    with pytest.raises(ValueError, match="Invalid access mode"):
        has_access(erp18, "crm.lead", [], "browse")
    # 17.0 has no has_access: Odoo's answer for a method a model does not have (odoo/models.py).
    with pytest.raises(AttributeError, match=r"The method 'crm.lead.has_access' does not exist"):
        has_access(ERP, "crm.lead", [], "read")
