"""New ids: time-ordered, random, and always valid in a key."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """``<prefix>_<12 hex of ms since epoch><16 random hex>``: sorts by creation time."""
    return f"{prefix}_{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


def new_run_id() -> str:
    return new_id("run")


def new_session_id() -> str:
    return new_id("ses")


def new_call_id() -> str:
    return new_id("call")
