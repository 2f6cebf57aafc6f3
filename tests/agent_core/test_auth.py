"""API keys: format, hashing, lookup, revocation."""

from __future__ import annotations

import re

import pytest

from agent_core import Unauthorized, hash_api_key, issue_api_key, new_api_key
from agent_core.auth import Authenticator, key_id_for
from tests.conftest import RuntimeFactory


def test_a_new_key_carries_at_least_32_random_bytes() -> None:
    key = new_api_key()
    assert re.fullmatch(r"ak_[A-Za-z0-9_-]{43}", key)
    assert len({new_api_key() for _ in range(100)}) == 100


def test_only_the_sha256_of_a_key_is_stored(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    key, record = issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    items = runtime.dynamodb.scan(TableName=runtime.settings.table_name)["Items"]
    stored = repr(items)
    assert key not in stored
    assert hash_api_key(key) in stored
    assert record.key_id == key_id_for(hash_api_key(key))


def test_a_key_authenticates_as_its_tenant_and_caller(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    key, _ = issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    caller = runtime.authenticator.authenticate(key)
    assert (caller.tenant_id, caller.caller_id) == ("acme", "alice")


@pytest.mark.parametrize("presented", [None, "", "ak_short", "Bearer xyz", new_api_key()])
def test_missing_malformed_and_unknown_keys_fail_alike(
    make_runtime: RuntimeFactory, presented: str | None
) -> None:
    runtime = make_runtime()
    with pytest.raises(Unauthorized) as failure:
        runtime.authenticator.authenticate(presented)
    assert failure.value.status == 401
    assert failure.value.message == "a valid X-API-Key header is required"


def test_a_revoked_key_stops_working(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    key, record = issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    authenticator = Authenticator(runtime.api_keys, cache_seconds=0)
    authenticator.authenticate(key)

    assert runtime.api_keys.revoke("acme", record.key_id)

    with pytest.raises(Unauthorized) as failure:
        authenticator.authenticate(key)
    assert failure.value.message == "a valid X-API-Key header is required"
    assert [k.revoked_at is not None for k in runtime.api_keys.list("acme")] == [True]


def test_a_tenant_cannot_revoke_another_tenants_key(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    key, record = issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    assert not runtime.api_keys.revoke("globex", record.key_id)
    assert runtime.authenticator.authenticate(key).tenant_id == "acme"


def test_keys_are_listed_per_tenant(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    issue_api_key(runtime.api_keys, "acme", caller_id="alice")
    issue_api_key(runtime.api_keys, "acme", caller_id="bob")
    issue_api_key(runtime.api_keys, "globex", caller_id="carol")
    assert sorted(k.caller_id for k in runtime.api_keys.list("acme")) == ["alice", "bob"]
