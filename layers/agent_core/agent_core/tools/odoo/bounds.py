"""Bounded reads: every read a tool makes has a limit, and the tool says when the limit cut it short.

A page of records comes with the total Odoo counts for the same domain (one ``search_count``, made
only when the page is full); a list of groups is asked one group longer than the limit, so that a
group left out is known, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_core.tools.odoo.client import OdooClient
from agent_core.tools.odoo.values import Domain

RECORDS = 2000
"""The records a tool reads at most to compute one answer (scores, ages, reorder rules)."""
GROUPS = 1000
"""The groups a tool reads at most from one ``read_group``."""


@dataclass(frozen=True)
class Page[R]:
    rows: list[R]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class Groups[G]:
    rows: list[G]
    truncated: bool


async def page_of[R](
    erp: OdooClient,
    model: str,
    domain: Domain,
    record: type[R],
    *,
    limit: int,
    order: str | None = None,
    context: dict[str, Any] | None = None,
) -> Page[R]:
    """At most ``limit`` records matching ``domain``, in ``order``, and how many match in all."""
    rows = await erp.search_read(model, domain, record, order=order, limit=limit, context=context)
    total = len(rows)
    if total >= limit:
        total = max(total, await erp.search_count(model, domain, context=context))
    return Page(rows, total)


async def groups_of[G](
    erp: OdooClient,
    model: str,
    domain: Domain,
    fields: list[str],
    groupby: list[str],
    group: type[G],
    *,
    limit: int = GROUPS,
    counted: str | None = None,
    orderby: str | None = None,
    lazy: bool = True,
    context: dict[str, Any] | None = None,
) -> Groups[G]:
    """At most ``limit`` groups, and whether Odoo had more.

    ``counted`` names the count of a group (``<field>_count`` or ``__count``) when Odoo may add
    empty groups of its own (a lazy ``read_group`` on a field that fills its groups in): those are
    not groups of records and do not count against the limit.
    """
    rows = await erp.read_group(
        model, domain, fields, groupby, group, orderby=orderby, limit=limit + 1, lazy=lazy, context=context
    )
    found = [row for row in rows if counted is None or _count(row, counted)]
    if len(found) <= limit:
        return Groups(rows, truncated=False)
    extra = found[limit]
    return Groups([row for row in rows if row is not extra], truncated=True)


def _count(row: Any, counted: str) -> int:
    value = row.get(counted, 0) if isinstance(row, dict) else 0
    return int(value) if isinstance(value, int) else 0
