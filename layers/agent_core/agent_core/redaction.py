"""Redaction of tool arguments before they are audited."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[REDACTED]"
SENSITIVE_NAME = re.compile(r"password|passwd|secret|token|key|authorization|credential", re.IGNORECASE)
_CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def redact(value: Any) -> Any:
    """A copy of ``value`` with sensitive fields and card-number-like strings replaced.

    A field is sensitive when its name contains password, secret, token, key, authorization or
    credential (any case). A card number is 13-19 digits, spaces or dashes allowed, that pass
    the Luhn check.
    """
    if isinstance(value, dict):
        return {
            key: REDACTED if SENSITIVE_NAME.search(str(key)) else redact(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _CARD_LIKE.sub(lambda m: REDACTED if _luhn(m.group()) else m.group(), value)
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and _luhn(str(value))
        and 13 <= len(str(value)) <= 19
    ):
        return REDACTED
    return value


def _luhn(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
