"""The ``common`` and ``object`` services of Odoo's JSON-RPC, with its authentication rules."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from local.erp.dataset import DEFAULT_SEED, dataset
from local.erp.engine import Engine
from local.erp.errors import AccessDenied, AccessError, DatabaseMissing
from local.erp.grouping import read_group
from local.erp.profiles import PROFILES

VERSION = {
    "server_version": "17.0",
    "server_version_info": [17, 0, 0, "final", 0, ""],
    "server_serie": "17.0",
    "protocol_version": 1,
}
# Parameters after the model, in Odoo's order; ``read`` takes the record ids first.
METHODS: dict[str, tuple[str, ...]] = {
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "read": ("ids", "fields", "load"),
    "read_group": ("domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"),
    "fields_get": ("allfields", "attributes"),
}
WRITES = frozenset({"create", "write", "unlink", "copy", "action_post", "button_validate", "reconcile"})


class Erp:
    """Every demo database of one server, and a count of the calls it answered (tests read it)."""

    def __init__(self, seed: int = DEFAULT_SEED, today: date | None = None, *, version: str = "17.0") -> None:
        self.seed = seed
        self.engines = {db: Engine(dataset(db, seed, today, version)) for db in PROFILES}
        self.calls: Counter[str] = Counter()

    def dispatch(self, service: Any, method: Any, args: list[Any]) -> Any:
        self.calls[f"{service}.{method}"] += 1
        if service == "common" and method == "version":
            return VERSION
        if service == "common" and method in ("authenticate", "login"):
            db, login, password = args[:3]
            data = self._engine(db).data
            return data.uid if (login, password) == (data.login, data.api_key) else False
        if service == "db" and method == "list":
            return sorted(self.engines)
        if service == "object" and method in ("execute_kw", "execute"):
            db, uid, password, model, name, *rest = args
            if method == "execute_kw":
                positional, keywords = [*rest, [], {}][:2]
            else:
                positional, keywords = rest, {}
            return self.execute(db, uid, password, model, name, list(positional or []), dict(keywords or {}))
        raise KeyError(f"no method {method!r} in service {service!r}")

    def execute(
        self,
        db: str,
        uid: Any,
        password: Any,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> Any:
        engine = self._engine(db)
        data = engine.data
        if uid != data.uid or password != data.api_key:
            raise AccessDenied()
        spec = engine.model(model)
        self.calls[f"{model}.{method}"] += 1
        if method in WRITES:
            raise AccessError(
                f"You are not allowed to modify '{spec.description}' ({model}) records: "
                "this demo database is read-only."
            )
        if method not in METHODS:
            raise AttributeError(f"The method '{model}.{method}' does not exist")
        context = kwargs.pop("context", None) or {}
        bound = _bind(method, METHODS[method], args, kwargs)
        domain = bound.get("domain") or []
        offset, limit = int(bound.get("offset") or 0), bound.get("limit") or None
        if method == "search":
            return engine.search(model, domain, offset, limit, bound.get("order"), context)
        if method == "search_count":
            return min(len(engine.filter(model, domain, context)), limit or 10**9)
        if method == "search_read":
            ids = engine.search(model, domain, offset, limit, bound.get("order"), context)
            return engine.read(model, ids, bound.get("fields") or None, context)
        if method == "read":
            given = bound["ids"]
            records = [given] if isinstance(given, int) else list(given or [])
            return engine.read(model, records, bound.get("fields"), context)
        if method == "fields_get":
            return engine.fields_get(model, bound.get("allfields"), bound.get("attributes"))
        return read_group(
            engine,
            model,
            domain,
            bound.get("fields") or [],
            bound.get("groupby") or [],
            offset,
            limit,
            bound.get("orderby") or False,
            bool(bound.get("lazy", True)),
            context,
        )

    def _engine(self, db: Any) -> Engine:
        if db not in self.engines:
            raise DatabaseMissing(str(db))
        return self.engines[db]


def _bind(method: str, names: tuple[str, ...], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Positional and keyword arguments by name, refused as Python would refuse them."""
    if len(args) > len(names):
        raise TypeError(f"{method}() takes {len(names)} positional arguments but {len(args)} were given")
    bound = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name not in names:
            raise TypeError(f"{method}() got an unexpected keyword argument '{name}'")
        if name in bound:
            raise TypeError(f"{method}() got multiple values for argument '{name}'")
        bound[name] = value
    required = {"read_group": ("domain", "fields", "groupby"), "read": ("ids",)}.get(method, ())
    if missing := [name for name in required if name not in bound]:
        raise TypeError(f"{method}() missing required positional argument: '{missing[0]}'")
    return bound
