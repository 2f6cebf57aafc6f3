"""The query engine: search, read, count and describe the records of one database, as Odoo does."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from local.erp import domain as dom
from local.erp.dataset import Dataset, Record
from local.erp.errors import MissingError, UserError
from local.erp.schema import MODELS, Field, Model

Predicate = Callable[[Record], bool]
_ORDER_TERM = re.compile(r"^\s*([a-z0-9_]+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_NAME_OPERATORS = frozenset({"=", "!=", "like", "not like", "ilike", "not ilike", "=like", "=ilike"})


class Engine:
    """Odoo's ORM semantics over a :class:`Dataset`: domains, ``active``, order, rendering."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.rank = cache(self._rank)

    def model(self, name: str) -> Model:
        """The model called ``name``; Odoo's own complaint if there is none."""
        if name not in MODELS:
            raise UserError(f"Object {name} doesn't exist")
        return MODELS[name]

    def field(self, model: str, name: str) -> Field:
        """A field of ``model`` (``id`` and ``display_name`` included), or Odoo's ``Invalid field``."""
        spec = self.model(model).all_fields.get(name)
        if spec is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        return spec

    def filter(self, model: str, domain: Any, context: dict[str, Any] | None = None) -> list[Record]:
        """The records of ``model`` matching ``domain`` (archived ones only if the domain asks)."""
        spec, tree = self.model(model), dom.parse(domain or [])
        active_test = (context or {}).get("active_test", True)
        if "active" in spec.fields and active_test and not dom.mentions(tree, "active"):
            tree = dom.Junction("&", dom.Leaf("active", "=", True), tree)
        predicate = self._predicate(model, tree)
        return [record for record in self.data.records(model) if predicate(record)]

    def search(
        self,
        model: str,
        domain: Any,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[int]:
        """Ids of the matching records, ordered, then paged by ``offset`` and ``limit``."""
        records = self.sort(model, self.filter(model, domain, context), order)
        return [r["id"] for r in records[offset : offset + limit if limit else None]]

    def read(self, model: str, ids: list[int], fields: list[str] | None = None) -> list[dict[str, Any]]:
        """The given records with ``fields`` (default: all stored ones) as Odoo sends them, ``id`` first."""
        self.model(model)
        table = self.data.tables[model]
        names = ["id", *(f for f in fields or MODELS[model].fields if f != "id")]
        for name in names:
            self.field(model, name)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({missing[0]},), User: {self.data.uid})"
            )
        return [{name: self.render(model, table[i], name) for name in names} for i in ids]

    def fields_get(
        self, model: str, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, Any]:
        """Odoo's description of each field, optionally of some fields and some attributes only."""
        described = {name: spec.describe(name) for name, spec in self.model(model).all_fields.items()}
        if allfields:
            described = {name: value for name, value in described.items() if name in allfields}
        if attributes:
            described = {n: {k: v for k, v in d.items() if k in attributes} for n, d in described.items()}
        return described

    def render(self, model: str, record: Record, name: str) -> Any:
        """A field's value as Odoo puts it on the wire: ``[id, name]``, ``"2024-05-01"``, ``false``."""
        if name == "display_name":
            return self.data.display_name(model, record["id"])
        spec = self.field(model, name)
        return self.wire(spec, record[name])

    def wire(self, spec: Field, value: Any) -> Any:
        """A stored value as JSON-RPC carries it (unset: ``false``, or ``0`` for numbers)."""
        if value is None:
            return 0 if spec.type in ("integer", "float", "monetary") else False
        if spec.type == "many2one" and spec.relation:
            return [value, self.data.display_name(spec.relation, value)]
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def sort(self, model: str, records: list[Record], order: str | None) -> list[Record]:
        """Records in ``order`` (default: the model's); nulls last ascending, first descending."""
        terms = order_terms(model, order or self.model(model).order)
        for name, descending in reversed(terms):
            key = self._sort_key(model, name)
            present = sorted((r for r in records if key(r) is not None), key=key, reverse=descending)
            absent = [r for r in records if key(r) is None]
            records = absent + present if descending else present + absent
        return records

    def _sort_key(self, model: str, name: str) -> Callable[[Record], Any]:
        spec = self.field(model, name)
        if name == "display_name":
            return lambda r: self.data.display_name(model, r["id"])
        if spec.type == "many2one" and spec.relation:
            ranks = self.rank(spec.relation)
            return lambda r: ranks.get(r[name]) if r[name] else None
        return lambda r: r[name]

    def _rank(self, model: str) -> dict[int, int]:
        """Position of each record in its model's default order (how Odoo sorts by a many2one)."""
        ordered = self.sort(model, self.data.records(model), None)
        return {record["id"]: position for position, record in enumerate(ordered)}

    def _predicate(self, model: str, node: dom.Node) -> Predicate:
        if isinstance(node, bool):
            return lambda _: node
        if isinstance(node, dom.Negation):
            child = self._predicate(model, node.child)
            return lambda r: not child(r)
        if isinstance(node, dom.Junction):
            left, right = self._predicate(model, node.left), self._predicate(model, node.right)
            if node.operator == "&":
                return lambda r: left(r) and right(r)
            return lambda r: left(r) or right(r)
        return self._leaf(model, node)

    def _leaf(self, model: str, leaf: dom.Leaf) -> Predicate:
        name, _, rest = leaf.path.partition(".")
        spec = self.field(model, name)
        op, right = leaf.operator, leaf.value
        if spec.type == "many2one" and spec.relation:
            relation = spec.relation
            if rest:
                ids = set(self.search(relation, [[rest, op, right]], context={"active_test": False}))
                return lambda r: r[name] in ids
            if op == "child_of":
                ids = self._descendants(relation, right)
                return lambda r: r[name] in ids
            if _is_text(right) and op in _NAME_OPERATORS | {"in", "not in"}:
                names = self.data.display_name
                return lambda r: dom.compare(names(relation, r[name]) if r[name] else None, op, right)
            return lambda r: dom.compare(r[name], op, right)
        if name == "id" and op == "child_of" and not rest:
            ids = self._descendants(model, right)
            return lambda r: r["id"] in ids
        if rest or op == "child_of":
            raise ValueError(f"Invalid field {leaf.path!r} on model {model!r}")
        if name == "display_name":
            return lambda r: dom.compare(self.data.display_name(model, r["id"]), op, right)
        value = coerce(spec, op, right)
        return lambda r: dom.compare(r[name], op, value)

    def _descendants(self, model: str, right: Any) -> set[int]:
        """``child_of``: the records named or given by id, and everything under them."""
        if _is_text(right):
            roots = set(self.search(model, [["display_name", "in", right]], context={"active_test": False}))
        else:
            roots = set(right) if isinstance(right, list | tuple) else {right}
        parent = self.model(model).parent
        found = set()
        for record in self.data.records(model):
            current: Record | None = record
            while current is not None and current["id"] not in roots:
                up = current[parent] if parent else None
                current = self.data.get(model, up) if up else None
            if current is not None:
                found.add(record["id"])
        return found


def order_terms(model: str, order: str) -> list[tuple[str, bool]]:
    """``"date desc, id"`` as ``[("date", True), ("id", False)]``, every field checked."""
    terms = []
    for part in order.split(","):
        match = _ORDER_TERM.match(part)
        if not match or match.group(1) not in MODELS[model].all_fields:
            raise ValueError(
                f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated '
                "list of valid field names (optionally followed by asc/desc for the direction)"
            )
        terms.append((match.group(1), (match.group(2) or "asc").lower() == "desc"))
    return terms


def coerce(spec: Field, operator: str, right: Any) -> Any:
    """A domain value as the stored type: date strings become dates, as Odoo's SQL casts do."""
    if isinstance(right, list | tuple):
        return [coerce(spec, "=", item) for item in right]
    if not isinstance(right, str) or spec.type not in ("date", "datetime"):
        return right
    if spec.type == "date":
        return date.fromisoformat(right[:10])
    if len(right) == 10:
        right += " 23:59:59" if operator in (">", "<=") else " 00:00:00"
    return datetime.strptime(right, "%Y-%m-%d %H:%M:%S")


def _is_text(right: Any) -> bool:
    if isinstance(right, list | tuple):
        return bool(right) and all(isinstance(item, str) for item in right)
    return isinstance(right, str)
