"""Usage counters: small items of whole numbers, raised with atomic ``ADD`` and read in batches.

Each counter is one item (its own partition, see ``keys.tool_rate_pk`` and its neighbours)
holding named numbers: ``n`` for a count, or the tokens and nano-USD of a day's spend. An ``ADD``
from many instances at once never loses an increment and needs no read first, unlike a
read-modify-write or a transaction (which would conflict on a busy item).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent_core import keys
from agent_core.store.table import Table, encode

Counts = dict[str, int]
_NOT_COUNTS = frozenset({"PK", "SK", "expires_at"})


class CounterStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def add(self, pk: str, counts: Mapping[str, int], *, expires_at: int) -> None:
        """Raise the counter ``pk`` by ``counts`` (it starts at zero); it expires at ``expires_at``."""
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":c{i}": value for i, value in enumerate(counts.values())}
        adds = ", ".join(f"#c{i} :c{i}" for i in range(len(counts)))
        with self.table.translated_errors("update a usage counter"):
            self.table.client.update_item(
                TableName=self.table.name,
                Key=encode({"PK": pk, "SK": keys.COUNTER_SK}),
                UpdateExpression=f"SET expires_at = if_not_exists(expires_at, :ttl) ADD {adds}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=encode({**values, ":ttl": expires_at}),
            )

    def read(self, pks: Sequence[str]) -> dict[str, Counts]:
        """The counters named, in one BatchGetItem per 100; one never raised reads as empty."""
        found = self.table.batch_get([(pk, keys.COUNTER_SK) for pk in pks])
        return {
            pk: {name: int(value) for name, value in found.get(pk, {}).items() if name not in _NOT_COUNTS}
            for pk in pks
        }
