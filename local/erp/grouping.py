"""``read_group`` as Odoo 17 answers it: groups, ``<field>_count`` or ``__count``, aggregates,
``__domain``, ``__range`` and ``__context``, with date granularities and ``orderby``; in lazy mode,
the empty groups a field's ``group_expand`` adds, with ``__fold``; fields Odoo does not store are
refused for grouping and aggregation (``odoo/models.py``, 17.0: ``read_group``, ``_read_group``,
``_read_group_fill_results``, ``_field_to_sql``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from local.erp.dataset import Record
from local.erp.domain import conjunction
from local.erp.engine import Engine
from local.erp.schema import NUMERIC, Field

AGGREGATES = frozenset(
    {"sum", "avg", "min", "max", "count", "count_distinct", "bool_and", "bool_or", "array_agg"}
)
GRANULARITIES = ("day", "week", "month", "quarter", "year")
_FIELD_SPEC = re.compile(r"^(\w+)(?::(\w+)(?:\((\w+)\))?)?$")  # name | name:agg | alias:agg(field)
_GROUP_SPEC = re.compile(r"^(\w+)(?::(\w+))?$")
_ORDER_TERM = re.compile(r"^\s*([\w:]+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)


def _stages(engine: Engine) -> list[Any]:
    return [stage["id"] for stage in engine.sort("crm.stage", engine.data.records("crm.stage"), None)]


# The groups a field's ``group_expand`` adds to a lazy read_group, in their order.
GROUP_EXPAND: dict[tuple[str, str], Callable[[Engine], list[Any]]] = {
    # addons/crm/models/crm_lead.py: stage_id has group_expand='_read_group_stage_ids': the stages
    # grouped and every stage of no sales team (the demo has no teams: every stage).
    ("crm.lead", "stage_id"): _stages,
    # addons/mass_mailing/models/mailing.py: state has group_expand='_group_expand_states' (all states).
    ("mailing.mailing", "state"): lambda engine: list(engine.field("mailing.mailing", "state").selection),
}


@dataclass(frozen=True)
class GroupKey:
    spec: str
    name: str
    field: Field
    granularity: str | None

    def bucket(self, record: Record) -> Any:
        value = record[self.name]
        if self.granularity is None or value is None:
            return value
        day = value.date() if isinstance(value, datetime) else value
        start = {
            "day": day,
            "week": day - timedelta(days=day.weekday()),
            "month": day.replace(day=1),
            "quarter": day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1),
            "year": day.replace(day=1, month=1),
        }[self.granularity]
        return datetime.combine(start, datetime.min.time()) if self.field.type == "datetime" else start


def read_group(
    engine: Engine,
    model: str,
    domain: list[Any],
    fields: list[str],
    groupby: list[str] | str,
    offset: int = 0,
    limit: int | None = None,
    orderby: str | bool = False,
    lazy: bool = True,
    context: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Group the records of ``model`` matching ``domain``; one dict per group, in Odoo's shape."""
    groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
    keys = [_group_key(engine, model, spec) for spec in (groupby[:1] if lazy else groupby)]
    count_name = f"{keys[0].spec.split(':')[0]}_count" if lazy and len(keys) == 1 else "__count"
    aggregates = _aggregates(engine, model, fields, {k.name for k in keys})
    buckets: dict[tuple[Any, ...], list[Record]] = {}
    for record in engine.filter(model, domain, context):
        buckets.setdefault(tuple(k.bucket(record) for k in keys), []).append(record)
    rows = []
    for values, members in buckets.items():
        row: dict[str, Any] = {}
        extra: list[Any] = []
        for key, value in zip(keys, values, strict=True):
            row[key.spec], leaves = _label(engine, key, value, context)
            extra += leaves
            if key.granularity:
                row.setdefault("__range", {})[key.spec] = _range(key, value)
        row[count_name] = len(members)
        for name, (source, function) in aggregates.items():
            row[name] = _aggregate(
                engine, engine.field(model, source), function, [r[source] for r in members]
            )
        row["__domain"] = conjunction(domain or [], extra)
        if lazy and len(groupby) > 1:
            row["__context"] = {"group_by": groupby[1:]}
        rows.append((values, row))
    ordered = _order(
        engine,
        keys,
        rows,
        orderby,
        {"__count": count_name, count_name: count_name, **{name: name for name in aggregates}},
    )
    page = ordered[offset : offset + limit if limit else None]
    if lazy and keys:  # Odoo fills after the limit, and only in lazy mode
        page = _fill(engine, model, keys[0], domain, page, aggregates, count_name, groupby, orderby)
    return page


def _group_key(engine: Engine, model: str, spec: str) -> GroupKey:
    match = _GROUP_SPEC.match(spec)
    if not match:
        raise ValueError(f"Invalid groupby specification {spec!r}.")
    name, granularity = match.groups()
    field = _stored(engine, model, name)
    if field.type in ("date", "datetime"):
        granularity = granularity or "month"
        if granularity not in GRANULARITIES:
            raise ValueError(f"Invalid granularity {granularity!r} for field {name!r}.")
    elif granularity:
        raise ValueError(f"Invalid groupby specification {spec!r}: {name!r} is not a date.")
    return GroupKey(spec, name, field, granularity)


def _aggregates(
    engine: Engine, model: str, fields: list[str], grouped: set[str]
) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for spec in fields or []:
        if spec == "__count":
            continue
        match = _FIELD_SPEC.match(spec)
        if not match:
            raise ValueError(f"Invalid field specification {spec!r}.")
        name, function, source = match.groups()
        field = engine.field(model, source or name)
        if function and function not in AGGREGATES:
            raise ValueError(f"Invalid aggregation function {function!r}.")
        if function:
            _stored(engine, model, source or name)
            found[name] = (source or name, function)
        elif field.type in NUMERIC and field.store and name not in grouped:
            found[name] = (name, "sum")  # a plain field Odoo does not store is left out, silently
    return found


def _stored(engine: Engine, model: str, name: str) -> Field:
    """The field, if Odoo stores it: one computed at read time has no column to group or sum."""
    field = engine.field(model, name)
    if not field.store:
        raise ValueError(f"Cannot convert field {model}.{name} to SQL")
    return field


def _fill(
    engine: Engine,
    model: str,
    key: GroupKey,
    domain: list[Any],
    rows: list[dict[str, Any]],
    aggregates: dict[str, tuple[str, str]],
    count_name: str,
    groupby: list[str],
    orderby: str | bool,
) -> list[dict[str, Any]]:
    """The groups ``group_expand`` names, in its order, empty ones added; then the other groups.

    Grouped by a many2one whose model has a ``fold`` field, each group says whether its record is
    folded (``__fold``; ``False`` for the group of records without one).
    """
    expand = GROUP_EXPAND.get((model, key.name))
    if expand is None:
        return rows
    values = expand(engine)
    if str(orderby).strip().lower() == f"{key.spec} desc":
        values.reverse()
    present = {_key_of(row[key.spec]): row for row in rows}
    filled = []
    for value in values:
        row = present.pop(value, None)
        if row is None:
            label, leaves = _label(engine, key, value)
            row = {key.spec: label, count_name: 0}
            row.update({name: _empty(function) for name, (_, function) in aggregates.items()})
            row["__domain"] = conjunction(domain or [], leaves)
            if len(groupby) > 1:
                row["__context"] = {"group_by": groupby[1:]}
        filled.append(row)
    filled += present.values()
    relation = key.field.relation
    if relation and "fold" in engine.model(relation).fields:
        for row in filled:
            value = _key_of(row[key.spec])
            row["__fold"] = bool(engine.data.get(relation, value)["fold"]) if value else False
    return filled


def _key_of(label: Any) -> Any:
    if isinstance(label, list):
        return label[0]
    return None if label is False else label


def _empty(function: str) -> Any:
    """An aggregate of no records, as Odoo's ``_read_group_empty_value`` gives it."""
    return {"count": 0, "count_distinct": 0, "array_agg": []}.get(function, False)


def _aggregate(engine: Engine, field: Field, function: str, values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    if function == "count":
        return len(present)
    if function == "count_distinct":
        return len(set(present))
    if function == "array_agg":
        return [engine.wire(field, v) for v in values]
    if function in ("bool_and", "bool_or"):
        return all(present) if function == "bool_and" else any(present)
    if not present:
        return False
    if function == "min":
        return engine.wire(field, min(present))
    if function == "max":
        return engine.wire(field, max(present))
    total = sum(present) / (len(present) if function == "avg" else 1)
    return round(total, 2) if field.type == "monetary" else round(total, 6)


def _label(
    engine: Engine, key: GroupKey, value: Any, context: dict[str, Any] | None = None
) -> tuple[Any, list[Any]]:
    """The group's value as Odoo shows it, and the domain leaves that select its records."""
    if value is None:
        return False, [[key.name, "=", False]]
    if key.granularity is None:
        return engine.wire(key.field, value, context), [[key.name, "=", value]]
    bounds = _range(key, value)
    leaves = ["&", [key.name, ">=", bounds["from"]], [key.name, "<", bounds["to"]]]
    day = value.date() if isinstance(value, datetime) else value
    label = {
        "day": f"{day:%d %b %Y}",
        "week": f"W{day.isocalendar().week} {day.isocalendar().year}",
        "month": f"{day:%B %Y}",
        "quarter": f"Q{(day.month - 1) // 3 + 1} {day.year}",
        "year": f"{day.year}",
    }[key.granularity]
    return label, leaves


def _range(key: GroupKey, start: Any) -> Any:
    if start is None:
        return False
    day: date = start.date() if isinstance(start, datetime) else start
    if key.granularity in ("day", "week"):
        end = day + timedelta(days=1 if key.granularity == "day" else 7)
    else:
        months = {"month": 1, "quarter": 3, "year": 12}[key.granularity or "month"]
        total = day.month - 1 + months
        end = day.replace(year=day.year + total // 12, month=total % 12 + 1)
    if key.field.type == "datetime":
        return {"from": f"{day} 00:00:00", "to": f"{end} 00:00:00"}
    return {"from": day.isoformat(), "to": end.isoformat()}


Row = tuple[tuple[Any, ...], dict[str, Any]]


def _order(
    engine: Engine, keys: list[GroupKey], rows: list[Row], orderby: str | bool, columns: dict[str, str]
) -> list[dict[str, Any]]:
    """Groups by ``orderby`` (a group field, an aggregate or ``__count``), else by the group fields."""
    terms = [(key.spec, False) for key in keys]
    if orderby:
        terms = []
        for part in str(orderby).split(","):
            match = _ORDER_TERM.match(part)
            if not match:
                raise ValueError(f"Invalid order {orderby!r} for read_group.")
            terms.append((match.group(1), (match.group(2) or "asc").lower() == "desc"))
    for name, descending in reversed(terms):
        sort_value = _sort_value(engine, keys, columns, name)
        present = sorted((r for r in rows if sort_value(r) is not None), key=sort_value, reverse=descending)
        absent = [r for r in rows if sort_value(r) is None]
        rows = absent + present if descending else present + absent
    return [row for _, row in rows]


def _sort_value(
    engine: Engine, keys: list[GroupKey], columns: dict[str, str], name: str
) -> Callable[[Row], Any]:
    for index, key in enumerate(keys):
        if name in (key.spec, key.name):
            ranks = engine.rank(key.field.relation) if key.field.relation else {}
            if key.field.relation:
                return lambda row: ranks.get(row[0][index]) if row[0][index] is not None else None
            return lambda row: row[0][index]
    if name in columns:
        column = columns[name]
        return lambda row: None if row[1][column] is False else row[1][column]
    raise ValueError(f"Invalid order: {name!r} is neither grouped nor aggregated.")
