"""Listing cursors taken apart and put together again, as a curious client could."""

from __future__ import annotations

import base64
import json


def craft(key: object) -> str:
    """A cursor that decodes to ``key`` (the API's cursors are unpadded URL-safe base64 JSON)."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def opened(cursor: str) -> dict[str, str]:
    """What a cursor the API issued decodes to."""
    key: dict[str, str] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return key
