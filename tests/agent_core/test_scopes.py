"""Scopes: named once, parsed strictly from an operator, read generously from the table."""

from __future__ import annotations

import json

import pytest

from agent_core import DEFAULT_SCOPES, SCOPES, Forbidden, issue_api_key
from agent_core.auth import Authenticator
from agent_core.scopes import RETIRED_KEY_SCOPES, parse_scopes, stored_scopes
from agent_core.store.records import ApiKeyRecord
from tests.conftest import RuntimeFactory
from tests.support.context import run_context


def test_the_four_scopes_and_a_new_key_chats_with_read_tools_only() -> None:
    assert SCOPES == ("chat", "chat:write", "audit:read", "admin", "end_users")
    assert DEFAULT_SCOPES == ("chat",)


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        (["audit:read", "chat"], ("chat", "audit:read")),
        (["chat:write"], ("chat", "chat:write")),  # a key that may write in a chat may chat
        ([" admin ", "admin", ""], ("admin",)),
    ],
)
def test_scopes_are_parsed_into_one_order_each_once(given: list[str], parsed: tuple[str, ...]) -> None:
    assert parse_scopes(given) == parsed


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["chat", "write"], "unknown scope write; the scopes are: chat, chat:write, audit:read, admin"),
        (["read"], "unknown scope read;"),  # the retired name is no scope to hand out
        ([""], "name at least one scope: chat, chat:write, audit:read, admin"),
    ],
)
def test_an_unknown_or_missing_scope_is_refused_with_the_list(given: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_scopes(given)


def test_a_key_stored_before_scopes_reads_as_what_it_could_do_then() -> None:
    stored = {
        "key_id": "key_1",
        "tenant_id": "acme",
        "caller_id": "app",
        "created_at": "2026-11-01T00:00:00Z",
    }

    old = ApiKeyRecord.model_validate_json(json.dumps(stored | {"scopes": ["chat", "read"]}))

    assert old.scopes == RETIRED_KEY_SCOPES == ("chat", "chat:write", "audit:read")
    assert "admin" not in old.scopes  # nothing it could not do before


def test_a_scope_this_version_does_not_know_grants_nothing_but_breaks_nothing() -> None:
    assert stored_scopes(["chat", "billing:read"]) == ("chat",)
    assert stored_scopes([]) == ()


def test_issued_keys_carry_their_scopes_to_the_caller(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    plain, _ = issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    writer, record = issue_api_key(runtime.api_keys, "acme", caller_id="bob", scopes=["chat:write"])
    authenticator = Authenticator(runtime.api_keys, cache_seconds=0)

    assert authenticator.authenticate(plain).scopes == ("chat",)
    assert record.scopes == authenticator.authenticate(writer).scopes == ("chat", "chat:write")
    with pytest.raises(ValueError, match="unknown scope"):
        issue_api_key(runtime.api_keys, "acme", caller_id="carol", scopes=["everything"])


def test_a_callers_missing_scope_is_a_403_naming_it() -> None:
    caller = run_context(scopes=("chat",)).caller

    with pytest.raises(Forbidden) as refused:
        caller.require("audit:read", "the audit trail")

    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert refused.value.message == "this API key lacks the audit:read scope, which the audit trail needs"
    caller.require("chat", "chatting")
