"""The query engine: search, read, count and describe the records of one database, as Odoo does."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from local.erp import domain as dom
from local.erp.dataset import Dataset, Record
from local.erp.errors import AccessError, MissingError, UserError
from local.erp.schema import Field, Model, models

Predicate = Callable[[Record], bool]
_ORDER_TERM = re.compile(r"^\s*([a-z0-9_]+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_NAME_OPERATORS = frozenset({"=", "!=", "like", "not like", "ilike", "not ilike", "=like", "=ilike"})
# Models whose records Odoo's multi-company record rules do not filter by ``company_id`` alone.
_NOT_COMPANY_RULED = frozenset({"res.company", "res.users"})
_logger = logging.getLogger("local.erp")


class Engine:
    """Odoo's ORM semantics over a :class:`Dataset`: domains, ``active``, order, rendering."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.models = models(data.version)
        self.rank = cache(self._rank)
        self.ignored_leaves: list[str] = []  # domains on fields Odoo cannot search (see ``_leaf``)

    def companies(self, context: dict[str, Any] | None) -> list[int]:
        """The companies a call may see: ``allowed_company_ids`` from the context, else all the
        user's (odoo/api.py, ``Environment.companies``), refused with Odoo's ``AccessError`` when the
        context names a company the user does not have."""
        user = self.data.get("res.users", self.data.uid)
        mine = list(user["company_ids"])
        allowed = (context or {}).get("allowed_company_ids")
        if not allowed:
            return mine
        if not isinstance(allowed, list | tuple) or set(allowed) - set(mine):
            raise AccessError("Access to unauthorized or invalid companies.")
        return list(allowed)

    def current_company(self, context: dict[str, Any] | None) -> int:
        """``env.company``: the first allowed company, else the user's own (odoo/api.py)."""
        allowed = self.companies(context)
        asked = (context or {}).get("allowed_company_ids")
        if asked:
            return int(allowed[0])
        return int(self.data.get("res.users", self.data.uid)["company_id"])

    def model(self, name: str) -> Model:
        """The model called ``name``; Odoo's own complaint if there is none."""
        if name not in self.models:
            raise UserError(f"Object {name} doesn't exist")
        return self.models[name]

    def field(self, model: str, name: str) -> Field:
        """A field of ``model`` (``id`` and ``display_name`` included), or Odoo's ``Invalid field``."""
        spec = self.model(model).all_fields.get(name)
        if spec is None:
            raise ValueError(f"Invalid field {name!r} on model {model!r}")
        return spec

    def filter(self, model: str, domain: Any, context: dict[str, Any] | None = None) -> list[Record]:
        """The records of ``model`` matching ``domain`` (archived ones only if the domain asks), of
        the companies the call may see.

        Odoo's multi-company record rules (17.0: ``['|', ('company_id', '=', False),
        ('company_id', 'in', company_ids)]`` on the company-scoped models, and ``[('id', 'in',
        company_ids)]`` on res.company, with ``company_ids`` the active companies) are applied here.
        """
        spec, tree = self.model(model), dom.parse(domain or [])
        context = dict(context or {})
        companies = set(self.companies(context))
        context["allowed_company_ids"] = sorted(companies)
        active_test = context.get("active_test", True)
        if "active" in spec.fields and active_test and not dom.mentions(tree, "active"):
            tree = dom.Junction("&", dom.Leaf("active", "=", True), tree)
        predicate = self._predicate(model, tree, context)
        if model == "res.company":
            return [r for r in self.data.records(model) if r["id"] in companies and predicate(r)]
        if "company_id" in spec.fields and model not in _NOT_COMPANY_RULED:
            return [
                r for r in self.data.records(model)
                if (r["company_id"] is None or r["company_id"] in companies) and predicate(r)
            ]  # fmt: skip
        if "company_ids" in spec.fields and model not in _NOT_COMPANY_RULED:
            # 18.0's accounts: [('company_ids', 'parent_of', company_ids)] (no branches here)
            return [r for r in self.data.records(model) if companies & set(r["company_ids"]) and predicate(r)]
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
        records = self.sort(model, self.filter(model, domain, context), order, context)
        return [r["id"] for r in records[offset : offset + limit if limit else None]]

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The given records with ``fields`` (default: all of them) as Odoo sends them, ``id`` first;
        company-dependent values as the current company of ``context`` sees them."""
        spec = self.model(model)
        table = self.data.tables[model]
        names = ["id", *(f for f in fields or spec.fields if f != "id")]
        for name in names:
            self.field(model, name)
        missing = [i for i in ids if i not in table]
        if missing:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {model}({missing[0]},), User: {self.data.uid})"
            )
        self._check_companies(model, [table[i] for i in ids], context)
        return [{name: self.render(model, table[i], name, context) for name in names} for i in ids]

    def _check_companies(self, model: str, records: list[Record], context: dict[str, Any] | None) -> None:
        """Refuse to read records the multi-company record rules hide, as Odoo's ``read`` does.

        17.0's ``read`` (odoo/models.py, ``_read``) fetches the ids through the record rules and
        raises ``ir.rule._make_access_error('read', forbidden)`` for the ones left out; that error
        (odoo/addons/base/models/ir_rule.py, 17.0) reads, for a user outside debug mode: "Uh-oh!
        Looks like you have stumbled upon some top-secret records.", "Sorry, <user> (id=<uid>)
        doesn't have 'read' access to:", "- <model description> (<model>)", then the cookies line,
        and, the failing rule naming ``company_id``, the company the record belongs to
        (``_get_redirect_suggested_company``): one the user has, "you might be able to access the
        record by switching to the company: <name>."; one the user lacks, "…but you do not have
        access to the proper company…"; several, "Switching company may help".
        """
        allowed = set(self.companies(context))
        hidden = [r for r in records if not self._visible(model, r, allowed)]
        if not hidden:
            return
        user = self.data.get("res.users", self.data.uid)
        message = (
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user['name']} (id={user['id']}) doesn't have 'read' access to:\n"
            f"- {self.model(model).description} ({model})\n\n"
            "If you really, really need access, perhaps you can win over your friendly administrator "
            "with a batch of freshly baked cookies."
        )
        owners = {c for r in hidden[:6] for c in self._companies_of(model, r)}
        if len(owners) != 1:
            message += (
                "\n\nNote: this might be a multi-company issue. "
                "Switching company may help - in Odoo, not in real life!"
            )
        elif owners <= set(user["company_ids"]):
            company = self.data.display_name("res.company", owners.pop())
            message += (
                "\n\nThis seems to be a multi-company issue, you might be able to access the record "
                f"by switching to the company: {company}."
            )
        else:
            message += (
                "\n\nThis seems to be a multi-company issue, but you do not have access to the proper "
                "company to access the record anyhow."
            )
        raise AccessError(message)

    def _companies_of(self, model: str, record: Record) -> set[int]:
        """The companies a record belongs to, for the multi-company record rules (none: shared)."""
        spec = self.model(model)
        if model == "res.company":
            return {record["id"]}
        if model in _NOT_COMPANY_RULED:
            return set()
        if "company_id" in spec.fields:
            return {record["company_id"]} if record["company_id"] else set()
        if "company_ids" in spec.fields:
            return set(record["company_ids"])
        return set()

    def _visible(self, model: str, record: Record, allowed: set[int]) -> bool:
        """Whether the multi-company record rules let the call see ``record`` (see ``filter``)."""
        owners = self._companies_of(model, record)
        return not owners or bool(owners & allowed)

    def fields_get(
        self, model: str, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, Any]:
        """Odoo's description of each field, optionally of some fields and some attributes only."""
        spec = self.model(model)
        described = {
            name: field.describe(name, spec.can_search(name)) for name, field in spec.all_fields.items()
        }
        if allfields:
            described = {name: value for name, value in described.items() if name in allfields}
        if attributes:
            described = {n: {k: v for k, v in d.items() if k in attributes} for n, d in described.items()}
        return described

    def render(self, model: str, record: Record, name: str, context: dict[str, Any] | None = None) -> Any:
        """A field's value as Odoo puts it on the wire: ``[id, name]``, ``"2024-05-01"``, ``false``."""
        if name == "display_name":
            return self.display_name(model, record["id"], context)
        spec = self.field(model, name)
        return self.wire(spec, self.value(model, record, name, context), context)

    def value(self, model: str, record: Record, name: str, context: dict[str, Any] | None = None) -> Any:
        """A record's value of field ``name``; on 18.0 an account's ``code`` is the current
        company's (``_compute_code`` reads ``code_store`` for ``env.company``): none elsewhere; a
        currency's ``rate`` is the current company's of the day."""
        if model == "account.account" and name == "code" and "company_ids" in self.model(model).fields:
            return record["code"] if self.current_company(context) in record["company_ids"] else None
        if model == "account.move.line" and name == "account_type":  # related to the account's type
            return self.data.get("account.account", record["account_id"])["account_type"]
        if model == "res.currency" and name == "rate":  # _compute_current_rate: the company's, today
            return self.data.rate(record["id"], self.current_company(context), self.data.today)
        return record[name]

    def display_name(self, model: str, record_id: int, context: dict[str, Any] | None = None) -> str:
        """A record's name as the call's current company sees it: on 18.0 an account's display name
        is "<code> <name>" when it has a code there, else its name alone (addons/account/models/
        account_account.py, 18.0, ``_compute_display_name``, which depends on the company)."""
        if model == "account.account" and "company_ids" in self.model(model).fields:
            record = self.data.get(model, record_id)
            code = self.value(model, record, "code", context)
            return f"{code} {record['name']}" if code else str(record["name"])
        return self.data.display_name(model, record_id)

    def wire(self, spec: Field, value: Any, context: dict[str, Any] | None = None) -> Any:
        """A stored value as JSON-RPC carries it (unset: ``false``, or ``0`` for numbers)."""
        if value is None:
            return 0 if spec.type in ("integer", "float", "monetary") else False
        if spec.type == "many2many":
            return list(value)
        if spec.type == "many2one" and spec.relation:
            return [value, self.display_name(spec.relation, value, context)]
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def sort(
        self, model: str, records: list[Record], order: str | None, context: dict[str, Any] | None = None
    ) -> list[Record]:
        """Records in ``order`` (default: the model's); nulls last ascending, first descending."""
        terms = order_terms(self.model(model), order or self.model(model).order)
        for name, descending in reversed(terms):
            key = self._sort_key(model, name, context)
            present = sorted((r for r in records if key(r) is not None), key=key, reverse=descending)
            absent = [r for r in records if key(r) is None]
            records = absent + present if descending else present + absent
        return records

    def _sort_key(self, model: str, name: str, context: dict[str, Any] | None) -> Callable[[Record], Any]:
        spec = self.field(model, name)
        if name == "display_name":
            return lambda r: self.data.display_name(model, r["id"])
        if not spec.store:
            return lambda r: self.value(model, r, name, context)
        if spec.type == "many2one" and spec.relation:
            ranks = self.rank(spec.relation)
            return lambda r: ranks.get(r[name]) if r[name] else None
        return lambda r: r[name]

    def _rank(self, model: str) -> dict[int, int]:
        """Position of each record in its model's default order (how Odoo sorts by a many2one)."""
        ordered = self.sort(model, self.data.records(model), None)
        return {record["id"]: position for position, record in enumerate(ordered)}

    def _predicate(self, model: str, node: dom.Node, context: dict[str, Any]) -> Predicate:
        if isinstance(node, bool):
            return lambda _: node
        if isinstance(node, dom.Negation):
            child = self._predicate(model, node.child, context)
            return lambda r: not child(r)
        if isinstance(node, dom.Junction):
            left = self._predicate(model, node.left, context)
            right = self._predicate(model, node.right, context)
            if node.operator == "&":
                return lambda r: left(r) and right(r)
            return lambda r: left(r) or right(r)
        return self._leaf(model, node, context)

    def _leaf(self, model: str, leaf: dom.Leaf, context: dict[str, Any]) -> Predicate:
        name, _, rest = leaf.path.partition(".")
        spec = self.field(model, name)
        op, right = leaf.operator, leaf.value
        if not self.model(model).can_search(name):
            return self._unsearchable(model, name)
        if spec.type == "many2many" and spec.relation:
            if rest:
                inner = {**context, "active_test": False}
                ids = set(self.search(spec.relation, [[rest, op, right]], context=inner))
                return lambda r: bool(ids & set(r[name]))
            return lambda r: _many2many(r[name], op, right)
        if spec.type == "many2one" and spec.relation:
            relation = spec.relation
            if rest:
                inner = {**context, "active_test": False}
                ids = set(self.search(relation, [[rest, op, right]], context=inner))
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
        return lambda r: dom.compare(self.value(model, r, name, context), op, value)

    def _unsearchable(self, model: str, name: str) -> Predicate:
        """A leaf on a computed field without a search method: Odoo 17 logs "Non-stored field …
        cannot be searched." and drops the leaf, so it matches every record
        (odoo/osv/expression.py, ``expression.parse``). ``ignored_leaves`` keeps what was dropped."""
        message = f"Non-stored field {model}.{name} cannot be searched."
        _logger.error(message)
        self.ignored_leaves.append(message)
        return lambda _: True

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


def order_terms(model: Model, order: str) -> list[tuple[str, bool]]:
    """``"date desc, id"`` as ``[("date", True), ("id", False)]``, every field checked."""
    terms = []
    for part in order.split(","):
        match = _ORDER_TERM.match(part)
        if not match or match.group(1) not in model.all_fields:
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


def _many2many(ids: list[int], operator: str, right: Any) -> bool:
    """A leaf on ids of a many2many: ``in`` and ``=`` hold when one of them is given (or none is,
    for ``False``); ``not in`` and ``!=`` are their negations, as Odoo's SQL ``EXISTS`` reads them."""
    if operator in ("not in", "!="):
        return not _many2many(ids, "in", right)
    if operator not in ("in", "="):
        raise ValueError(f"Invalid operator {operator!r} for a many2many field")
    if right is False or right is None:
        return not ids
    wanted = set(right) if isinstance(right, list | tuple) else {right}
    return bool(wanted & set(ids))


def _is_text(right: Any) -> bool:
    if isinstance(right, list | tuple):
        return bool(right) and all(isinstance(item, str) for item in right)
    return isinstance(right, str)
