"""The seeded records of one demo database, as plain Python (tests compute expected values from it)."""

from __future__ import annotations

import calendar
import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from local.erp.profiles import PROFILES, Profile
from local.erp.schema import MODELS, NUMERIC, shared_accounts

Record = dict[str, Any]
DEFAULT_SEED = 1
API_USER_BASE = 6  # users 1-5 are the admin and the salespeople
VERSIONS = ("16.0", "17.0", "18.0", "19.0")
# Odoo's base data: EUR is res.currency 1 (odoo/addons/base/data/base_data.sql creates it with the
# first company), USD is 2 (the first record of odoo/addons/base/data/res_currency_data.xml).
CURRENCIES = (("EUR", "Euro", "€", "after"), ("USD", "United States dollar", "$", "before"))


def credentials(db: str) -> tuple[str, str]:
    """The demo user's ``(login, api_key)`` for database ``db``; the same whatever the seed."""
    _profile(db)
    key = hashlib.sha256(f"demo-erp:{db}:api-key".encode()).hexdigest()[:40]
    return f"api@{PROFILES[db].domain}", key


def dataset(db: str, seed: int = DEFAULT_SEED, today: date | None = None, version: str = "17.0") -> Dataset:
    """Every record of ``db``, deterministic for a ``seed`` and a reference day (default: today, UTC).

    Companies and currencies (see :meth:`Dataset.company_id` and :meth:`Dataset.currency_id`):
    res.currency 1 is EUR and 2 is USD, as in Odoo's base data; res.company 1 is the profile's
    company (USD), and ``globex`` has a second one, 2, "Globex Europe B.V." (EUR). Every record of a
    model with ``company_id`` belongs to company 1 unless a seed says otherwise. ``version`` is the
    Odoo series the database imitates: 16.0 and 17.0 keep an account's company and code on the
    account; from 18.0 an account names its companies and its code is per company.
    """
    # The seed modules build on Dataset: imported here, they need no import cycle.
    from local.erp.seed_finance import seed_finance
    from local.erp.seed_sales import seed_sales
    from local.erp.seed_stock import seed_stock

    profile = _profile(db)
    if version not in VERSIONS:
        raise ValueError(f"no demo of Odoo {version!r}; there are: {', '.join(VERSIONS)}")
    login, key = credentials(db)
    data = Dataset(
        db=db,
        profile=profile,
        seed=seed,
        today=today or datetime.now(UTC).date(),
        login=login,
        api_key=key,
        uid=API_USER_BASE + seed % 10,  # a restored database may renumber its users
        version=version,
    )
    for code, full_name, symbol, position in CURRENCIES:
        data.add(
            "res.currency", name=code, full_name=full_name, symbol=symbol, position=position, rounding=0.01,
            decimal_places=2, active=True,
        )  # fmt: skip
    books = [(profile.company, profile.currency, profile.closed_months_ago)]
    if profile.subsidiary:
        sub = profile.subsidiary
        books.append((sub.company, sub.currency, sub.closed_months_ago))
    for sequence, (company, currency, closed_months_ago) in enumerate(books, start=1):
        last = _fiscal_year_end(data.today, closed_months_ago)
        data.add(
            "res.company",
            name=company,
            sequence=sequence,
            currency_id=data.currency_id(currency),
            fiscalyear_last_day=last.day,
            fiscalyear_last_month=str(last.month),
        )
    data.add("res.users", name="Mitchell Admin", login="admin")
    data.add("res.partner", name=profile.company, is_company=True, email=f"info@{profile.domain}")
    for salesperson in profile.salespeople:
        data.add("res.users", name=salesperson, login=salesperson.split()[0].lower() + f"@{profile.domain}")
    companies = [c["id"] for c in data.records("res.company")]
    api_user = data.blank("res.users", data.uid, name="API Integration", login=login, company_ids=companies)
    data.tables["res.users"][data.uid] = api_user
    for rank, name in enumerate(profile.customers):
        email = f"purchasing@{name.lower().replace(' ', '').replace("'", '')}.example"
        data.add("res.partner", name=name, email=email, is_company=True, customer_rank=1 + rank % 6)
    for name in profile.vendors:
        email = f"sales@{name.lower().replace(' ', '').replace('&', 'and')}.example"
        data.add("res.partner", name=name, email=email, is_company=True, supplier_rank=1)
    for part in (seed_finance, seed_stock, seed_sales):
        part(data, random.Random(f"{db}:{seed}:{part.__name__}"))
    if shared_accounts(version):  # the account names its companies (the engine serves 18.0's fields)
        for account in data.records("account.account"):
            account["company_ids"] = [account["company_id"]]
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
    version: str = "17.0"
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {name: {} for name in MODELS})

    @property
    def company(self) -> str:
        return self.profile.company

    def company_id(self, name: str | None = None) -> int:
        """The id of the company called ``name`` (default: the main one, 1)."""
        if name is None:
            return 1
        for company in self.records("res.company"):
            if company["name"] == name:
                return int(company["id"])
        raise KeyError(f"no company {name!r} in {self.db}")

    def currency_id(self, code: str) -> int:
        """The id of the currency ``code`` ("EUR" is 1, "USD" is 2, as in Odoo's base data)."""
        for currency in self.records("res.currency"):
            if currency["name"] == code:
                return int(currency["id"])
        raise KeyError(f"no currency {code!r}")

    def company_currency(self, company: int) -> int:
        return int(self.get("res.company", company)["currency_id"])

    def rate(self, currency: int, company: int, day: date) -> float:
        """Units of ``currency`` per unit of the company's currency on ``day`` (Odoo's ``_get_rates``:
        the latest rate on or before the day, else the oldest; 1 for the company's own currency)."""
        if currency == self.company_currency(company):
            return 1.0
        rates = sorted(
            (r["name"], r["rate"])
            for r in self.records("res.currency.rate")
            if r["currency_id"] == currency and r["company_id"] == company
        )
        if not rates:
            return 1.0
        before = [rate for when, rate in rates if when <= day]
        return float(before[-1] if before else rates[0][1])

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
            elif spec.type == "many2many":
                default = []
            elif name == "company_id":
                default = 1  # the main company: what every record seeded before companies had
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


def _fiscal_year_end(today: date, closed_months_ago: int | None) -> date:
    """The day the last fiscal year closed: December 31, or a month end before ``today``."""
    if closed_months_ago is None:
        return date(today.year - 1, 12, 31)
    index = today.year * 12 + today.month - 1 - closed_months_ago
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _profile(db: str) -> Profile:
    if db not in PROFILES:
        raise KeyError(f"no demo database {db!r}; there are: {', '.join(PROFILES)}")
    return PROFILES[db]
