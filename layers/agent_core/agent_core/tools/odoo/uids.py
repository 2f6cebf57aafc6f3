"""The user ids Odoo gave out, kept per connection so that a warm process logs in once."""

from __future__ import annotations

import threading

# An OdooConnection's cache_key: server, database, login and a hash of the key.
type UidKey = tuple[str, ...]


class OdooUids:
    """The uid each Odoo connection logged in as, for every run of the process.

    Runs on other event loops (other threads) of the same process share it, hence the lock.
    """

    def __init__(self) -> None:
        self._uids: dict[UidKey, int] = {}
        self._lock = threading.Lock()

    def get(self, key: UidKey) -> int | None:
        """The uid this connection logged in as, if it has."""
        with self._lock:
            return self._uids.get(key)

    def put(self, key: UidKey, uid: int) -> None:
        with self._lock:
            self._uids[key] = uid

    def forget(self, key: UidKey) -> None:
        """Drop the uid (Odoo refused it): the next call logs in again."""
        with self._lock:
            self._uids.pop(key, None)
