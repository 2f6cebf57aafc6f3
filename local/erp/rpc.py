"""The ``common`` and ``object`` services of Odoo's JSON-RPC, with its authentication rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from local.erp.access import OPERATIONS, ApiUser, restricted_user
from local.erp.dataset import DEFAULT_SEED, VERSIONS, dataset
from local.erp.engine import Engine
from local.erp.errors import AccessDenied, AccessError, DatabaseMissing, UserError
from local.erp.grouping import read_group
from local.erp.profiles import PROFILES
from local.erp.schema import Model, models
from local.erp.translations import translated

# common.version as each series answers it (odoo/service/common.py, exp_version; the numbers from
# odoo/release.py): 17.0 by default.
# What each module the demo can leave out provides (an uninstalled module's models do not exist:
# odoo/service/model.py answers "Object <model> doesn't exist").
MODULE_MODELS: dict[str, frozenset[str]] = {
    "mass_mailing": frozenset({"mailing.mailing"}),
    "crm": frozenset({"crm.lead", "crm.stage"}),
    "sale": frozenset({"sale.order", "sale.order.line"}),
}


def version_info(version: str) -> dict[str, Any]:
    """``common.version``'s answer for a series."""
    if version not in VERSIONS:
        raise ValueError(f"the demo ERP speaks Odoo {', '.join(VERSIONS)}, not {version!r}")
    major = int(version.split(".")[0])
    return {
        "server_version": version,
        "server_version_info": [major, 0, 0, "final", 0, ""],
        "server_serie": version,
        "protocol_version": 1,
    }


VERSION = version_info("17.0")
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

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        today: date | None = None,
        *,
        version: str = "17.0",
        uninstalled: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.seed = seed
        self.version = version_info(version)
        self.engines = {db: Engine(dataset(db, seed, today, version)) for db in PROFILES}
        self.calls: Counter[str] = Counter()
        schema = models(version)
        self.missing = {db: _models_of(db, modules, schema) for db, modules in (uninstalled or {}).items()}
        # Every execute_kw's context, in order: (db, model, method, context), for tests to assert on.
        self.contexts: list[tuple[str, str, str, dict[str, Any]]] = []
        self.users = {db: self._users(db) for db in self.engines}

    def _users(self, db: str) -> dict[int, ApiUser]:
        data = self.engines[db].data
        main = ApiUser(data.uid, data.login, data.api_key)
        restricted = restricted_user(db, self.seed)
        return {main.uid: main, restricted.uid: restricted}

    def dispatch(self, service: Any, method: Any, args: list[Any]) -> Any:
        self.calls[f"{service}.{method}"] += 1
        if service == "common" and method == "version":
            return self.version
        if service == "common" and method in ("authenticate", "login"):
            db, login, password = args[:3]
            users = self.users.get(db) if isinstance(db, str) else None
            if users is None:
                raise DatabaseMissing(str(db))
            found = [u.uid for u in users.values() if (login, password) == (u.login, u.api_key)]
            return found[0] if found else False
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
        user = self.users[db].get(uid) if isinstance(uid, int) else None
        if user is None or password != user.api_key:
            raise AccessDenied()
        context = kwargs.pop("context", None) or {}
        self.contexts.append((db, model, method, dict(context)))
        if model in self.missing.get(db, ()):
            raise UserError(f"Object {model} doesn't exist")  # odoo/service/model.py, execute_cr
        spec = engine.model(model)
        self.calls[f"{model}.{method}"] += 1
        if method in WRITES:
            raise AccessError(
                f"You are not allowed to modify '{spec.description}' ({model}) records: "
                "this demo database is read-only."
            )
        if method == "check_access_rights":
            return _check_access_rights(user, model, spec.description, args, kwargs)
        if method == "has_access" and self.version["server_version_info"][0] >= 18:
            return _has_access(user, model, args, kwargs)
        if method not in METHODS:
            raise AttributeError(f"The method '{model}.{method}' does not exist")
        if method != "fields_get":  # fields_get describes a model without reading its records
            user.check(model, spec.description)
        lang = context.get("lang")
        return translated(
            model, self._answer(engine, model, method, args, kwargs, context), lang, engine.models
        )

    def _answer(
        self,
        engine: Engine,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any],
        context: dict[str, Any],
    ) -> Any:
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


def _check_access_rights(
    user: ApiUser, model: str, description: str, args: list[Any], kwargs: dict[str, Any]
) -> bool:
    """``check_access_rights(operation, raise_exception=True)`` (odoo/models.py)."""
    bound = _bind("check_access_rights", ("operation", "raise_exception"), args, kwargs)
    operation = bound.get("operation")
    if operation not in OPERATIONS:
        raise ValueError(f"Invalid access mode: {operation}")  # ir.model.access's assertion
    if user.may(model, operation):
        return True
    if bound.get("raise_exception", True):
        user.check(model, description, operation)
    return False


def _has_access(user: ApiUser, model: str, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """``has_access(operation)`` on a recordset, from 18.0 on (odoo/models.py 18.0, odoo/orm/models.py
    19.0): the boolean successor of ``check_access_rights(..., raise_exception=False)``, which 18.0
    deprecates and saas~19.1 removes (odoo/odoo#226551). Called remotely with the record ids first;
    on an empty recordset it checks the model's access rights only."""
    bound = _bind("has_access", ("ids", "operation"), args, kwargs)
    if "operation" not in bound:
        raise TypeError("has_access() missing 1 required positional argument: 'operation'")
    operation = bound["operation"]
    if operation not in OPERATIONS:
        raise ValueError(f"Invalid access mode: {operation}")
    return user.may(model, operation)


def _models_of(db: str, modules: Iterable[str], schema: Mapping[str, Model]) -> frozenset[str]:
    """The models a database lacks without ``modules``; refused where the demo cannot leave them out
    (another installed model still points to one of them, as no real database could)."""
    if db not in PROFILES:
        raise KeyError(f"no demo database {db!r}; there are: {', '.join(PROFILES)}")
    missing: set[str] = set()
    for module in modules:
        if module not in MODULE_MODELS:
            raise ValueError(f"the demo ERP can leave out {', '.join(MODULE_MODELS)}, not {module!r}")
        missing |= MODULE_MODELS[module]
    for name, model in schema.items():
        if name in missing:
            continue
        for field_name, field in model.fields.items():
            if field.relation in missing:
                raise ValueError(f"{name}.{field_name} points to {field.relation}: it cannot be left out")
    return frozenset(missing)


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
