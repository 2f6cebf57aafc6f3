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
    orderby: str | None = None,
    lazy: bool = True,
    context: dict[str, Any] | None = None,
) -> Groups[G]:
    """At most ``limit`` groups, and whether Odoo had more.

    Meant for eager reads and fields without a ``group_expand``: Odoo adds the empty groups such a
    field fills in after the limit, and those would count here as groups cut.
    """
    rows = await erp.read_group(
        model, domain, fields, groupby, group, orderby=orderby, limit=limit + 1, lazy=lazy, context=context
    )
    return Groups(rows[:limit], truncated=len(rows) > limit)
