"""API keys: their format, their hash, and turning a presented key into a :class:`Caller`.

A key is ``ak_`` and 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from cachetools import TTLCache

from agent_core.clock import iso, utc_now
from agent_core.errors import Unauthorized
from agent_core.scopes import DEFAULT_SCOPES, parse_scopes
from agent_core.store.api_keys import ApiKeyStore
from agent_core.store.records import ApiKeyRecord
from agent_core.tenancy import Caller

KEY_PREFIX = "ak_"
KEY_PATTERN = re.compile(r"ak_[A-Za-z0-9_-]{43,128}")
UNAUTHORIZED_MESSAGE = "a valid X-API-Key header is required"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_for(key_hash: str) -> str:
    """A short public name for a key, safe to show and to pass to ``revoke``."""
    return f"key_{key_hash[:16]}"


def issue_api_key(
    store: ApiKeyStore,
    tenant_id: str,
    caller_id: str,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> tuple[str, ApiKeyRecord]:
    """Create a key for ``caller_id`` of ``tenant_id`` with ``scopes`` (see :mod:`agent_core.scopes`;
    ``ValueError`` for an unknown one); the key itself is returned once, never stored."""
    granted = parse_scopes(scopes)
    key = new_api_key()
    key_hash = hash_api_key(key)
    record = ApiKeyRecord(
        key_id=key_id_for(key_hash),
        tenant_id=tenant_id,
        caller_id=caller_id,
        scopes=granted,
        created_at=iso(utc_now()),
    )
    store.put(key_hash, record)
    return key, record


class Authenticator:
    """Presented key → caller, with a short cache in the warm process.

    A revoked key stops working within ``cache_seconds``. Unknown, revoked and malformed keys
    all fail the same way.
    """

    def __init__(self, store: ApiKeyStore, *, cache_seconds: float) -> None:
        self.store = store
        self._cache: TTLCache[str, Caller] | None = (
            TTLCache(maxsize=1024, ttl=cache_seconds) if cache_seconds > 0 else None
        )

    def authenticate(self, presented: str | None) -> Caller:
        if not presented or KEY_PATTERN.fullmatch(presented) is None:
            raise Unauthorized(UNAUTHORIZED_MESSAGE)
        key_hash = hash_api_key(presented)
        if self._cache is not None and (cached := self._cache.get(key_hash)) is not None:
            return cached
        record = self.store.get(key_hash)
        if record is None or not record.active:
            raise Unauthorized(UNAUTHORIZED_MESSAGE)
        caller = Caller(
            tenant_id=record.tenant_id,
            caller_id=record.caller_id,
            key_id=record.key_id,
            scopes=record.scopes,
        )
        if self._cache is not None:
            self._cache[key_hash] = caller
        return caller
