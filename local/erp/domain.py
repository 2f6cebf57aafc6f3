"""Odoo search domains: prefix (Polish) notation with an implicit AND, and what each operator means.

``parse`` turns ``["|", ["a", "=", 1], "!", ["b", "ilike", "x"]]`` into a tree; ``compare`` says
whether one stored value satisfies one operator. Fields, paths and types belong to the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

OPERATORS = frozenset(
    (
        "=", "!=", "<>", "<", "<=", ">", ">=", "in", "not in",
        "like", "not like", "ilike", "not ilike", "=like", "=ilike", "child_of",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Leaf:
    path: str
    operator: str
    value: Any


@dataclass(frozen=True)
class Junction:
    operator: str  # "&" or "|"
    left: Node
    right: Node


@dataclass(frozen=True)
class Negation:
    child: Node


Node = Leaf | Junction | Negation | bool


def parse(domain: Any) -> Node:
    """The tree of ``domain``; terms left over at the top level are ANDed, as Odoo does."""
    if not isinstance(domain, list | tuple):
        raise ValueError(f"Invalid domain: {domain!r}")
    items = list(domain)
    position = 0

    def expression() -> Node:
        nonlocal position
        if position >= len(items):
            raise ValueError(f"Domain {domain!r} is syntactically not correct.")
        item = items[position]
        position += 1
        if item in ("&", "|"):
            left = expression()
            return Junction(item, left, expression())
        if item == "!":
            return Negation(expression())
        return leaf(item)

    terms = []
    while position < len(items):
        terms.append(expression())
    return reduce(lambda left, right: Junction("&", left, right), terms) if terms else True


def leaf(item: Any) -> Leaf | bool:
    if not isinstance(item, list | tuple) or len(item) != 3:
        raise ValueError(f"Invalid leaf {item!r}")
    left, operator, right = item
    if left in (0, 1) and not isinstance(left, str) and operator == "=" and right == 1:
        return bool(left)  # Odoo's TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
    if not isinstance(left, str) or not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise ValueError(f"Invalid leaf {item!r}")
    operator = operator.lower()
    return Leaf(left, "!=" if operator == "<>" else operator, right)


def mentions(node: Node, name: str) -> bool:
    """Whether a leaf of ``node`` is about field ``name`` (Odoo's test for the ``active`` filter)."""
    if isinstance(node, Leaf):
        return node.path.split(".")[0] == name
    if isinstance(node, Junction):
        return mentions(node.left, name) or mentions(node.right, name)
    if isinstance(node, Negation):
        return mentions(node.child, name)
    return False


def compare(value: Any, operator: str, right: Any) -> bool:
    """Whether a stored ``value`` (``None`` when unset) satisfies ``operator right``."""
    if operator.startswith("not ") or operator == "!=":
        positive = {"!=": "="}.get(operator, operator.removeprefix("not "))
        return not compare(value, positive, right)
    if operator == "=":
        return _is_empty(value) if right is False or right is None else value == right
    if operator == "in":
        values = list(right) if isinstance(right, list | tuple | set) else [right]
        return value in values or (_is_empty(value) and any(v is False or v is None for v in values))
    if value is None:
        return False
    if operator in ("like", "ilike", "=like", "=ilike"):
        text, pattern = str(value), str(right)
        if operator in ("like", "ilike"):
            pattern = f"%{pattern}%"
        return _like(pattern, text, ignore_case=operator.endswith("ilike"))
    if operator == "<":
        return bool(value < right)
    if operator == "<=":
        return bool(value <= right)
    if operator == ">":
        return bool(value > right)
    if operator == ">=":
        return bool(value >= right)
    raise ValueError(f"Invalid operator {operator!r}")


def _is_empty(value: Any) -> bool:
    return value is None or value is False


def _like(pattern: str, text: str, *, ignore_case: bool) -> bool:
    """SQL LIKE: ``%`` is any run of characters, ``_`` any one character."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.fullmatch(regex, text, flags=flags) is not None


def normalize(domain: list[Any]) -> list[Any]:
    """``domain`` with its implicit ANDs written out (Odoo's ``normalize_domain``)."""
    if not domain:
        return [[1, "=", 1]]
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result.insert(0, "&")
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            token = list(token)
        else:
            expected += {"!": 1, "&": 2, "|": 2}.get(token, 0) - 1
        result.append(token)
    return result


def conjunction(*domains: list[Any]) -> list[Any]:
    """The AND of ``domains`` in prefix form, empty ones left out (Odoo's ``expression.AND``)."""
    present = [normalize(d) for d in domains if d]
    return ["&"] * (len(present) - 1) + [token for d in present for token in d]
