"""keys.py holds tenant isolation: every tenant partition starts with TENANT#<id>, ids are strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent_core import InvalidId, keys

NOON = datetime(2026, 11, 30, 12, 34, 56, 789_000, tzinfo=UTC)

TENANT_DATA_KEYS = [
    keys.tenant_pk("acme"),
    keys.session_pk("acme", "ses_1"),
    keys.run_pk("acme", "run_1"),
    keys.runs_gsi_pk("acme"),
    keys.audit_pk("acme", "2026-11-21"),
    keys.agent_audit_gsi_pk("acme", "general"),
    keys.tenant_keys_gsi_pk("acme"),
    keys.tool_rate_pk("acme", "get_stock_levels", NOON),
    keys.turns_pk("acme", NOON),
    keys.spend_pk("acme", NOON),
    keys.idempotency_pk("acme", "acme-user", None, "order-42#TENANT#globex"),
    keys.idempotency_pk("acme", "acme-user", "u1", "order-42#TENANT#globex"),
    keys.owner_sessions_gsi_pk("acme", "acme-user", None),
    keys.owner_sessions_gsi_pk("acme", "acme-user", "u1"),
]


@pytest.mark.parametrize("key", TENANT_DATA_KEYS)
def test_every_tenant_partition_starts_with_the_tenant(key: str) -> None:
    assert key == "TENANT#acme" or key.startswith("TENANT#acme#")
    assert keys.belongs_to("acme", key)
    assert not keys.belongs_to("globex", key)


def test_a_tenant_whose_id_extends_another_does_not_own_its_partitions() -> None:
    assert not keys.belongs_to("acme2", keys.session_pk("acme", "s"))
    assert not keys.belongs_to("acm", keys.session_pk("acme", "s"))


def test_the_documented_key_shapes() -> None:
    assert keys.session_pk("acme", "s-1") == "TENANT#acme#SESSION#s-1"
    assert keys.message_sk(3, 1) == "MSG#000003#001"
    assert keys.message_position("MSG#000003#001") == (3, 1)
    assert keys.run_pk("acme", "run_9") == "TENANT#acme#RUN#run_9"
    assert keys.audit_pk("acme", "2026-11-21") == "TENANT#acme#AUDIT#2026-11-21"
    assert keys.audit_sk("2026-11-21T10:00:00.000Z", "toolu_1") == "2026-11-21T10:00:00.000Z#toolu_1"
    assert keys.api_key_pk("a" * 64) == f"KEY#{'a' * 64}"


def test_message_keys_sort_in_conversation_order() -> None:
    ordered = [keys.message_sk(turn, index) for turn in (1, 2, 10) for index in (0, 1, 11)]
    assert sorted(ordered) == ordered


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "acme#SESSION#x",
        "a/b",
        "with space",
        "-leading-dash",
        ".hidden",
        "x" * 65,
        "ümlaut",
        "acme\n",
        "TENANT#globex",
    ],
)
def test_ids_that_could_smuggle_a_key_are_refused(bad: str) -> None:
    with pytest.raises(InvalidId):
        keys.session_pk("acme", bad)
    with pytest.raises(InvalidId):
        keys.tenant_pk(bad)


@pytest.mark.parametrize("good", ["acme", "a", "ses_01a1fc96e08d", "v1.2-beta", "X" * 64])
def test_ordinary_ids_are_accepted(good: str) -> None:
    assert keys.checked_id(good) == good


@pytest.mark.parametrize("bad_day", ["2026-1-1", "yesterday", "2026-11-21#x"])
def test_audit_partitions_need_a_real_day(bad_day: str) -> None:
    with pytest.raises(InvalidId):
        keys.audit_pk("acme", bad_day)


def test_api_key_partitions_take_only_a_sha256() -> None:
    with pytest.raises(InvalidId):
        keys.api_key_pk("TENANT#acme")
    with pytest.raises(InvalidId):
        keys.api_key_pk("A" * 64)


def test_message_positions_are_bounded() -> None:
    with pytest.raises(InvalidId):
        keys.message_sk(1_000_000, 0)
    with pytest.raises(InvalidId):
        keys.message_sk(1, 1000)


def test_counter_keys_name_their_utc_window() -> None:
    paris = NOON.astimezone(timezone(timedelta(hours=1)))
    assert keys.tool_rate_pk("acme", "get_stock_levels", paris) == (
        "TENANT#acme#CALLS#get_stock_levels#2026-11-30T12:34:56"
    )
    assert keys.turns_pk("acme", paris) == "TENANT#acme#TURNS#2026-11-30T12:34"
    assert keys.spend_pk("acme", paris) == "TENANT#acme#SPEND#2026-11-30"
    with pytest.raises(InvalidId):
        keys.tool_rate_pk("acme", "x#TURNS", NOON)  # a tool name cannot reach another counter
    with pytest.raises(InvalidId):
        keys.spend_pk("acme", NOON.replace(tzinfo=None))


def test_an_idempotency_key_enters_hashed_and_bound_to_its_caller() -> None:
    ada = keys.idempotency_pk("acme", "ada", None, "order#1")
    assert ada == keys.idempotency_pk("acme", "ada", None, "order#1")
    assert ada != keys.idempotency_pk("acme", "bob", None, "order#1")
    assert "order" not in ada and ada.count("#") == 3  # the client's text never shapes the key
    with pytest.raises(InvalidId):
        keys.idempotency_pk("acme", "ada#x", None, "order#1")


def test_an_idempotency_key_is_bound_to_its_end_user_too() -> None:
    mine = keys.idempotency_pk("acme", "backend", "u1", "order#1")
    assert mine != keys.idempotency_pk("acme", "backend", "u2", "order#1")
    assert mine != keys.idempotency_pk("acme", "backend", None, "order#1")
    # the end user cannot be smuggled into the caller, nor the key into the end user
    assert mine != keys.idempotency_pk("acme", "backend", None, "u1\norder#1")
    with pytest.raises(InvalidId):
        keys.idempotency_pk("acme", "backend", "u1#x", "order#1")


def test_each_owner_lists_its_sessions_in_a_partition_of_its_own() -> None:
    partitions = {
        keys.owner_sessions_gsi_pk("acme", "backend", None),
        keys.owner_sessions_gsi_pk("acme", "backend", "u1"),
        keys.owner_sessions_gsi_pk("acme", "backend", "u2"),
        keys.owner_sessions_gsi_pk("acme", "other", None),
        keys.owner_sessions_gsi_pk("globex", "backend", "u1"),
    }
    assert len(partitions) == 5
    assert keys.owner_sessions_gsi_pk("acme", "ops desk", "u1").startswith("TENANT#acme#OWNER#")
    # a caller id is the operator's free text: none passes for another caller and an end user
    assert keys.owner_sessions_gsi_pk("acme", 'a","b', None) != keys.owner_sessions_gsi_pk("acme", "a", "b")
    with pytest.raises(InvalidId):
        keys.owner_sessions_gsi_pk("acme", "backend", "u1#SESSIONS")


def test_run_event_chunks_sort_by_their_last_event_in_the_runs_partition() -> None:
    chunks = [keys.run_events_sk(n) for n in (12, 3, 100, 9)]

    assert sorted(chunks) == [keys.run_events_sk(n) for n in (3, 9, 12, 100)]
    assert keys.run_events_sk(7) == "EVT#0000007"
    for bad in (-1, 10_000_000):
        with pytest.raises(InvalidId):
            keys.run_events_sk(bad)
