"""The seeded records of one demo database, as plain Python (tests compute expected values from it)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from local.erp.profiles import PROFILES, Profile
from local.erp.schema import MODELS, NUMERIC

Record = dict[str, Any]
DEFAULT_SEED = 1
API_USER_BASE = 6  # users 1-5 are the admin and the salespeople


def credentials(db: str) -> tuple[str, str]:
    """The demo user's ``(login, api_key)`` for database ``db``; the same whatever the seed."""
    _profile(db)
    key = hashlib.sha256(f"demo-erp:{db}:api-key".encode()).hexdigest()[:40]
    return f"api@{PROFILES[db].domain}", key


def dataset(db: str, seed: int = DEFAULT_SEED, today: date | None = None) -> Dataset:
    """Every record of ``db``, deterministic for a ``seed`` and a reference day (default: today, UTC)."""
    # The seed modules build on Dataset: imported here, they need no import cycle.
    from local.erp.seed_finance import seed_finance
    from local.erp.seed_sales import seed_sales
    from local.erp.seed_stock import seed_stock

    profile = _profile(db)
    login, key = credentials(db)
    data = Dataset(
        db=db,
        profile=profile,
        seed=seed,
        today=today or datetime.now(UTC).date(),
        login=login,
        api_key=key,
        uid=API_USER_BASE + seed % 10,  # a restored database may renumber its users
    )
    data.add("res.users", name="Mitchell Admin", login="admin")
    data.add("res.partner", name=profile.company, is_company=True, email=f"info@{profile.domain}")
    for salesperson in profile.salespeople:
        data.add("res.users", name=salesperson, login=salesperson.split()[0].lower() + f"@{profile.domain}")
    api_user = data.blank("res.users", data.uid, name="API Integration", login=login)
    data.tables["res.users"][data.uid] = api_user
    for rank, name in enumerate(profile.customers):
        email = f"purchasing@{name.lower().replace(' ', '').replace("'", '')}.example"
        data.add("res.partner", name=name, email=email, is_company=True, customer_rank=1 + rank % 6)
    for name in profile.vendors:
        email = f"sales@{name.lower().replace(' ', '').replace('&', 'and')}.example"
        data.add("res.partner", name=name, email=email, is_company=True, supplier_rank=1)
    for part in (seed_finance, seed_stock, seed_sales):
        part(data, random.Random(f"{db}:{seed}:{part.__name__}"))
    return data


@dataclass
class Dataset:
    """The tables of one database: ``tables[model][id] -> record`` (many2one values are ids or None)."""

    db: str
    profile: Profile
    seed: int
    today: date
    login: str
    api_key: str
    uid: int
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {name: {} for name in MODELS})

    @property
    def company(self) -> str:
        return self.profile.company

    @property
    def now(self) -> datetime:
        """The reference moment: noon (UTC, naive as Odoo stores it) of the reference day."""
        return datetime.combine(self.today, time(12, 0))

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def records(self, model: str) -> list[Record]:
        return list(self.tables[model].values())

    def get(self, model: str, record_id: int) -> Record:
        return self.tables[model][record_id]

    def where(self, model: str, **values: Any) -> list[Record]:
        """Records whose fields equal ``values`` (a test convenience)."""
        return [r for r in self.records(model) if all(r[k] == v for k, v in values.items())]

    def add(self, model: str, **values: Any) -> int:
        table = self.tables[model]
        record_id = max(table, default=0) + 1
        table[record_id] = self.blank(model, record_id, **values)
        return record_id

    def blank(self, model: str, record_id: int, **values: Any) -> Record:
        fields = MODELS[model].fields
        if unknown := set(values) - set(fields):
            raise KeyError(f"{model} has no fields {sorted(unknown)}")
        record: Record = {"id": record_id}
        for name, spec in fields.items():
            default: Any = None
            if spec.type in NUMERIC:
                default = 0
            elif spec.type == "boolean":
                default = name == "active"
            record[name] = values.get(name, default)
        return record

    def display_name(self, model: str, record_id: int) -> str:
        record = self.tables[model][record_id]
        if model == "account.account":
            return f"{record['code']} {record['name']}"
        if model == "product.product" and record["default_code"]:
            return f"[{record['default_code']}] {record['name']}"
        spec = MODELS[model]
        value = record[spec.rec_name]
        if spec.fields[spec.rec_name].type == "many2one":
            relation = spec.fields[spec.rec_name].relation
            return self.display_name(relation, value) if relation and value else ""
        return str(value or "")


def _profile(db: str) -> Profile:
    if db not in PROFILES:
        raise KeyError(f"no demo database {db!r}; there are: {', '.join(PROFILES)}")
    return PROFILES[db]
