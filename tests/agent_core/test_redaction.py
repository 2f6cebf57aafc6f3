"""Audit entries never keep credentials or card numbers."""

from __future__ import annotations

import pytest

from agent_core.redaction import REDACTED, redact


@pytest.mark.parametrize(
    "name",
    ["password", "db_password", "client_secret", "access_token", "api_key", "apiKey", "Authorization", "KEY"],
)
def test_sensitive_field_names_are_redacted(name: str) -> None:
    assert redact({name: "hunter2", "city": "Paris"}) == {name: REDACTED, "city": "Paris"}


def test_redaction_reaches_nested_values_and_lists() -> None:
    arguments = {"filters": [{"token": "t"}, {"name": "x"}], "auth": {"Authorization": "Bearer x"}}
    assert redact(arguments) == {
        "filters": [{"token": REDACTED}, {"name": "x"}],
        "auth": {"Authorization": REDACTED},
    }


@pytest.mark.parametrize(
    "text",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "pay with 5500005555555559 please"],
)
def test_card_numbers_are_redacted_wherever_they_appear(text: str) -> None:
    redacted = redact({"note": text})["note"]
    assert "1111" not in redacted and "5555" not in redacted
    assert REDACTED in redacted


def test_a_card_number_sent_as_a_number_is_redacted() -> None:
    assert redact({"n": 4111111111111111}) == {"n": REDACTED}


@pytest.mark.parametrize("text", ["order 1234567890123", "invoice 2026-11-21", "phone +33 1 23 45 67 89"])
def test_ordinary_numbers_survive(text: str) -> None:
    assert redact({"note": text}) == {"note": text}


def test_the_original_arguments_are_untouched() -> None:
    original = {"password": "p"}
    redact(original)
    assert original == {"password": "p"}
