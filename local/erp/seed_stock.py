"""Inventory: locations, products, a year of done moves, pending transfers, quants and reorder rules.

Quants are what the done moves leave behind, so stock on hand always agrees with the history.
Each storable product moves at one pace: ``fast`` (last move within 30 days), ``slow`` (last move
100 to 260 days ago), ``dead`` (nothing since its first receipt, 300+ days ago) or ``sold_out``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from random import Random

from local.erp.dataset import Dataset

PENDING_RECEIPT_DAYS = (-12, -6, -3, 2, 4, 7, 11, 18, 25)
LEAD_DAYS = (3, 5, 7, 14)  # a rule's lead time: today + this is its lead_days_date
LONGEST_LEAD = 30
FORECAST_STATES = ("waiting", "confirmed", "partially_available", "assigned")


class Warehouse:
    """Writes transfers (``stock.picking`` with their ``stock.move``) and tracks stock on hand."""

    def __init__(self, data: Dataset, rng: Random) -> None:
        self.data, self.rng = data, rng
        self.locations: dict[str, int] = {}
        self.on_hand: defaultdict[tuple[int, int], float] = defaultdict(float)  # (product, location) -> qty
        self.reserved: defaultdict[tuple[int, int], float] = defaultdict(float)
        self._numbers: Counter[str] = Counter()

    def location(self, path: str, usage: str) -> int:
        parent = self.locations.get(path.rsplit("/", 1)[0]) if "/" in path else None
        self.locations[path] = self.data.add(
            "stock.location",
            name=path.rsplit("/", 1)[-1],
            complete_name=path,
            usage=usage,
            location_id=parent,
        )
        return self.locations[path]

    def transfer(
        self, kind: str, stock: str, when: datetime, items: list[tuple[int, float]], state: str, partner: int
    ) -> int:
        """An incoming or outgoing transfer of ``items`` (product, quantity) to or from ``stock``."""
        warehouse = stock.split("/")[0]
        code = "IN" if kind == "incoming" else "OUT"
        self._numbers[f"{warehouse}/{code}"] += 1
        name = f"{warehouse}/{code}/{self._numbers[f'{warehouse}/{code}']:05d}"
        outside = self.locations["Partners/Vendors" if kind == "incoming" else "Partners/Customers"]
        inside = self.locations[stock]
        source, dest = (outside, inside) if kind == "incoming" else (inside, outside)
        prefix = "P" if kind == "incoming" else "S"
        picking = self.data.add(
            "stock.picking",
            name=name,
            partner_id=partner,
            scheduled_date=when,
            date_done=when if state == "done" else None,
            state=state,
            picking_type_code=kind,
            origin=f"{prefix}{self.rng.randint(100, 999):05d}",
            location_id=source,
            location_dest_id=dest,
        )
        for product, quantity in items:
            done = quantity if state == "done" else 0.0
            self.data.add(
                "stock.move",
                reference=name,
                product_id=product,
                date=when,
                state=state,
                product_uom_qty=quantity,
                quantity=done if state == "done" else quantity if state == "assigned" else 0.0,
                location_id=source,
                location_dest_id=dest,
                picking_id=picking,
            )
            sign = 1 if kind == "incoming" else -1
            self.on_hand[(product, inside)] += sign * done
            if kind == "outgoing" and state == "assigned":
                self.reserved[(product, inside)] += quantity
        return picking


def seed_stock(data: Dataset, rng: Random) -> None:
    profile = data.profile
    wh = Warehouse(data, rng)
    for path, usage in (
        ("Partners", "view"),
        ("Partners/Vendors", "supplier"),
        ("Partners/Customers", "customer"),
        ("Virtual Locations", "view"),
        ("Virtual Locations/Inventory adjustment", "inventory"),
    ):
        wh.location(path, usage)
    for stock in profile.warehouses:
        parts = stock.split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path not in wh.locations:
                wh.location(path, "view" if depth == 1 else "internal")
    products = {
        p.code: data.add(
            "product.product",
            name=p.name,
            default_code=p.code,
            list_price=p.price,
            standard_price=p.cost,
            cost_currency_id=data.company_currency(data.company_id()),
            type=p.type,
        )
        for p in profile.products
    }
    storable = [products[p.code] for p in profile.products if p.type == "product"]
    vendors = [p["id"] for p in data.records("res.partner") if p["supplier_rank"]]
    customers = [p["id"] for p in data.records("res.partner") if p["customer_rank"]]
    order = rng.sample(storable, len(storable))
    pace = dict.fromkeys(order, "fast")
    pace.update(dict.fromkeys(order[:2], "dead"))
    pace.update(dict.fromkeys(order[2:5], "slow"))
    pace[order[5]] = "sold_out"

    home: dict[int, str] = {}
    for product in storable:
        home[product] = rng.choice(profile.warehouses)
        stocks = [home[product]]
        if len(profile.warehouses) > 1 and rng.random() < 0.35:
            stocks.append(next(s for s in profile.warehouses if s != home[product]))
        for stock in stocks:
            _history(wh, rng, product, stock, pace[product], vendors, customers)

    for index, days in enumerate(rng.sample(PENDING_RECEIPT_DAYS, len(PENDING_RECEIPT_DAYS))):
        items = [(p, float(rng.randint(2, 12) * 10)) for p in rng.sample(storable, rng.randint(1, 3))]
        state = ("assigned", "confirmed", "waiting", "draft")[index % 4]
        when = data.now + timedelta(days=days, hours=rng.randint(-8, 8))
        wh.transfer("incoming", home[items[0][0]], when, items, state, rng.choice(vendors))
    for days in (-30, 9):
        product = rng.choice(storable)
        when = data.now + timedelta(days=days)
        wh.transfer("incoming", home[product], when, [(product, 50.0)], "cancel", rng.choice(vendors))
    for index in range(5):
        candidates = [key for key, qty in wh.on_hand.items() if qty - wh.reserved[key] >= 4]
        product, location = rng.choice(candidates)
        stock = next(path for path, loc in wh.locations.items() if loc == location)
        free = wh.on_hand[(product, location)] - wh.reserved[(product, location)]
        quantity = float(rng.randint(1, int(free) // 2))
        when = data.now + timedelta(days=rng.randint(1, 9), hours=rng.randint(-8, 8))
        state = "assigned" if index % 2 == 0 else "confirmed"
        wh.transfer("outgoing", stock, when, [(product, quantity)], state, rng.choice(customers))

    for (product, location), quantity in sorted(wh.on_hand.items()):
        if quantity > 0:
            reserved = min(quantity, wh.reserved[(product, location)])
            data.add(
                "stock.quant",
                product_id=product,
                location_id=location,
                quantity=quantity,
                reserved_quantity=reserved,
            )
    _orderpoints(wh, rng, storable, home, pace)


def _history(
    wh: Warehouse, rng: Random, product: int, stock: str, pace: str, vendors: list[int], customers: list[int]
) -> None:
    """A first receipt, then deliveries and replenishments at the product's pace."""
    data = wh.data
    location = wh.locations[stock]
    first = float(rng.randint(8, 60) * 5)
    start = rng.randint(300, 360)
    wh.transfer("incoming", stock, data.days_ago(start), [(product, first)], "done", rng.choice(vendors))
    if pace == "dead":
        return
    window = {"slow": (100, 260), "fast": (1, 180), "sold_out": (3, 150)}[pace]
    days = sorted(rng.sample(range(*window), rng.randint(2, 4) if pace == "slow" else rng.randint(5, 9)))
    if pace in ("fast", "sold_out") and days[0] > 30:
        days[0] = rng.randint(1, 30)
    for index, ago in enumerate(sorted(days, reverse=True)):
        when = data.days_ago(ago) - timedelta(hours=rng.randint(0, 8))
        left = wh.on_hand[(product, location)]
        if pace == "sold_out" and index == len(days) - 1:
            wh.transfer("outgoing", stock, when, [(product, left)], "done", rng.choice(customers))
        elif rng.random() < 0.3:
            refill = float(rng.randint(4, 30) * 5)
            wh.transfer("incoming", stock, when, [(product, refill)], "done", rng.choice(vendors))
        else:
            quantity = float(rng.randint(1, max(1, int(left) // 4)))
            wh.transfer("outgoing", stock, when, [(product, quantity)], "done", rng.choice(customers))


def _orderpoints(
    wh: Warehouse, rng: Random, storable: list[int], home: dict[int, str], pace: dict[int, str]
) -> None:
    """Reorder rules on most products; a third of them, all selling (and the sold-out one), are short.

    Short means below the minimum on Odoo's forecast, not on hand. Two rules show the difference:
    one is below its minimum on hand but a pending receipt covers it (no alert), one has enough on
    hand but pending deliveries take the forecast below its minimum (an alert).
    """
    data = wh.data
    ruled = rng.sample(storable, round(len(storable) * 0.65))
    sold_out = next(p for p, kind in pace.items() if kind == "sold_out")
    if sold_out not in ruled:
        ruled.append(sold_out)
    moving = [product for product in ruled if pace[product] == "fast"]
    short = set(moving[: len(ruled) // 3]) | {sold_out}
    lead_days = {product: rng.choice(LEAD_DAYS) for product in storable}
    special: dict[int, str] = {}
    for kind in ("covered", "drained"):
        candidates = [p for p in ruled + storable if p not in short and p not in special]
        for product in candidates:
            on_hand, forecast = forecast_at(wh, product, _rule_at(data, home, product), LONGEST_LEAD)
            if (forecast - on_hand if kind == "covered" else on_hand - forecast) >= 2:
                special[product], lead_days[product] = kind, LONGEST_LEAD
                if product not in ruled:
                    ruled.append(product)
                break
    for number, product in enumerate(ruled, start=1):
        rule_at = _rule_at(data, home, product)
        on_hand, forecast = forecast_at(wh, product, rule_at, lead_days[product])
        low: float
        if product in short:
            low = max(forecast, 0.0) + rng.randint(5, 40)
        elif product in special:
            low = min(on_hand, forecast) + max(1, abs(forecast - on_hand) // 2)
        else:
            low = max(1.0, float(int(max(forecast, 0.0) * rng.uniform(0.2, 0.6))))
        multiple = rng.choice((5.0, 10.0, 12.0) if product in short else (1.0, 5.0, 10.0, 25.0))
        high = float(low * rng.choice((2, 3)))
        data.add(
            "stock.warehouse.orderpoint",
            name=f"OP/{number:05d}",
            product_id=product,
            location_id=wh.locations[rule_at],
            product_min_qty=float(low),
            product_max_qty=high,
            qty_multiple=multiple,
            trigger="auto",
            lead_days_date=data.today + timedelta(days=lead_days[product]),
            qty_on_hand=on_hand,
            qty_forecast=forecast,
            qty_to_order=_to_order(forecast, float(low), high, multiple),
        )


def _rule_at(data: Dataset, home: dict[int, str], product: int) -> str:
    return data.profile.orderpoint_location[home[product]]


def forecast_at(wh: Warehouse, product: int, where: str, lead_days: int) -> tuple[float, float]:
    """(on hand, forecast) of ``product`` at location ``where`` and under it, as an orderpoint sees them.

    addons/stock/models/stock_orderpoint.py (17.0), ``_compute_qty``: the forecast is the product's
    ``virtual_available`` at the rule's location up to the end of ``lead_days_date`` (today plus the
    rule's lead days): on hand, plus moves in, minus moves out, of moves not yet done (``waiting``,
    ``confirmed``, ``assigned``; a draft counts for nothing) dated up to then.
    """
    data = wh.data
    inside = {loc for path, loc in wh.locations.items() if (path + "/").startswith(where + "/")}
    until = datetime.combine(data.today + timedelta(days=lead_days), time.max)
    on_hand = sum(qty for (prod, loc), qty in wh.on_hand.items() if prod == product and loc in inside)
    forecast = on_hand
    for move in data.records("stock.move"):
        if move["product_id"] != product or move["state"] not in FORECAST_STATES or move["date"] > until:
            continue
        if move["location_dest_id"] in inside and move["location_id"] not in inside:
            forecast += move["product_uom_qty"]
        elif move["location_id"] in inside and move["location_dest_id"] not in inside:
            forecast -= move["product_uom_qty"]
    return on_hand, forecast


def _to_order(forecast: float, low: float, high: float, multiple: float) -> float:
    """``_compute_qty_to_order`` (17.0), no visibility days: up to the maximum, in whole multiples."""
    if forecast >= low:
        return 0.0
    quantity = max(low, high) - forecast
    remainder = quantity % multiple if multiple > 0 else 0.0
    return quantity + multiple - remainder if remainder > 0 else quantity
