"""What makes each demo company itself: names, catalogue, customers, stages and volumes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    price: float
    cost: float
    type: str = "product"


@dataclass(frozen=True)
class Subsidiary:
    """A second company of the same database, with its own currency, banks and books."""

    company: str
    currency: str
    banks: tuple[tuple[str, str, float], ...]
    invoice_range: tuple[float, float]
    bill_range: tuple[float, float]
    invoices: int
    bills: int
    rent: float
    payroll: float
    closed_months_ago: int | None = None
    foreign_banks: tuple[tuple[str, str, str, float], ...] = ()


@dataclass(frozen=True)
class Profile:
    company: str
    domain: str
    banks: tuple[tuple[str, str, float], ...]  # (journal code, journal name, opening balance)
    warehouses: tuple[str, ...]  # internal stock locations, e.g. "WH/Stock/Shelf A"
    orderpoint_location: dict[str, str]  # stock location -> where its reorder rules live
    products: tuple[Product, ...]
    customers: tuple[str, ...]
    vendors: tuple[str, ...]
    salespeople: tuple[str, ...]
    stages: tuple[tuple[str, float], ...]  # (name, typical probability); the last one is won
    campaigns: tuple[str, ...]
    lead_topics: tuple[str, ...]
    invoice_range: tuple[float, float]
    bill_range: tuple[float, float]
    invoices: int
    bills: int
    leads: int
    orders: int
    rent: float
    payroll: float
    currency: str = "USD"
    # The last fiscal year closed at the end of the month this many months before the reference
    # day's month (so the demo always holds entries from before the fiscal year); None: December 31.
    closed_months_ago: int | None = None
    # Bank journals in another currency than the company's: (code, name, currency, opening balance).
    foreign_banks: tuple[tuple[str, str, str, float], ...] = ()
    subsidiary: Subsidiary | None = None


ACME = Profile(
    company="Acme Corporation",
    domain="acme.example",
    banks=(("BNK1", "First National Bank", 185_000.0),),
    warehouses=("WH/Stock/Shelf A", "WH/Stock/Shelf B"),
    orderpoint_location={"WH/Stock/Shelf A": "WH/Stock", "WH/Stock/Shelf B": "WH/Stock"},
    products=(
        Product("FG-DESK", "Office Desk", 420.0, 210.0),
        Product("FG-CHAIR", "Ergonomic Chair", 310.0, 140.0),
        Product("FG-CAB", "Filing Cabinet", 260.0, 115.0),
        Product("FG-SHELF", "Bookshelf", 180.0, 75.0),
        Product("FG-CONF", "Conference Table", 1250.0, 560.0),
        Product("FG-STAND", "Standing Desk", 690.0, 330.0),
        Product("FG-LOCK", "Storage Locker", 380.0, 170.0),
        Product("FG-BENCH", "Workbench", 540.0, 250.0),
        Product("RM-STEEL", "Steel Sheet 2mm", 48.0, 31.0),
        Product("RM-ALU", "Aluminium Bar", 36.0, 22.0),
        Product("RM-OAK", "Oak Plank", 29.0, 17.5),
        Product("RM-SCREW", "Screws M6 (box of 200)", 14.0, 6.2),
        Product("RM-PAINT", "Powder Paint Blue (kg)", 18.0, 9.4),
        Product("RM-HINGE", "Steel Hinge", 4.5, 1.9),
        Product("SP-CASTOR", "Castor Wheel", 9.0, 3.8),
        Product("SP-GAS", "Gas Lift Cylinder", 24.0, 11.0),
        Product("SV-INST", "Installation Service", 95.0, 40.0, "service"),
        Product("CS-BOX", "Packaging Box", 2.5, 0.9, "consu"),
    ),
    customers=(
        "Northwind Traders",
        "Contoso Ltd",
        "Fabrikam Inc",
        "Tailspin Toys",
        "Litware Inc",
        "Adventure Works",
        "Wide World Importers",
        "Proseware",
        "Coho Winery",
        "Lucerne Publishing",
        "Blue Yonder Airlines",
        "Fourth Coffee",
        "Alpine Ski House",
        "Trey Research",
    ),
    vendors=(
        "Steelworks Supply",
        "Timber & Co",
        "FastFix Hardware",
        "ColorCoat Paints",
        "Metro Power Utility",
    ),
    salespeople=("Marc Demo", "Sofia Reyes", "Liam Chen"),
    stages=(("New", 10.0), ("Qualified", 30.0), ("Proposition", 60.0), ("Won", 100.0)),
    campaigns=(
        "Spring Office Refresh",
        "Standing Desks: Work Better",
        "Workshop Equipment Catalogue",
        "Back to Office Bundle",
        "Ergonomics Webinar Invite",
        "Year-End Clearance",
        "New Locker Line",
        "Customer Newsletter Q1",
        "Customer Newsletter Q2",
        "Trade Show Follow-up",
    ),
    lead_topics=("Office Desks", "Ergonomic Chairs", "Conference Tables", "Workbenches", "Lockers"),
    invoice_range=(1_800.0, 24_000.0),
    bill_range=(600.0, 9_000.0),
    invoices=32,
    bills=22,
    leads=46,
    orders=34,
    rent=6_500.0,
    payroll=38_000.0,
)

GLOBEX = Profile(
    company="Globex Corporation",
    domain="globex.example",
    banks=(("BNK1", "Chase Operating", 310_000.0), ("BNK2", "Wells Reserve", 240_000.0)),
    warehouses=("DC1/Stock", "DC2/Stock"),
    orderpoint_location={"DC1/Stock": "DC1/Stock", "DC2/Stock": "DC2/Stock"},
    products=(
        Product("GX-MOUSE", "Wireless Mouse", 29.0, 11.0),
        Product("GX-HUB", "USB-C Hub 7-in-1", 49.0, 21.0),
        Product("GX-MON27", "27in 4K Monitor", 389.0, 240.0),
        Product("GX-KEYB", "Mechanical Keyboard", 119.0, 58.0),
        Product("GX-HEAD", "Noise-Cancelling Headphones", 249.0, 132.0),
        Product("GX-CAM", "HD Webcam", 69.0, 28.0),
        Product("GX-STAND", "Laptop Stand", 39.0, 14.0),
        Product("GX-SSD1", "Portable SSD 1TB", 119.0, 71.0),
        Product("GX-HDMI", "HDMI Cable 2m", 12.0, 3.1),
        Product("GX-SPK", "Smart Speaker", 99.0, 47.0),
        Product("GX-CHG", "Phone Charger 30W", 25.0, 8.5),
        Product("GX-PBANK", "Power Bank 20000mAh", 45.0, 19.0),
        Product("GX-BUDS", "Bluetooth Earbuds", 79.0, 33.0),
        Product("GX-SW8", "Ethernet Switch 8-port", 59.0, 27.0),
        Product("GX-ROUT", "Wi-Fi 6 Router", 149.0, 83.0),
        Product("GX-CASE", "Tablet Case", 22.0, 6.0),
        Product("GX-DOCK", "Thunderbolt Dock", 229.0, 121.0),
        Product("GX-TAB", "10in Android Tablet", 199.0, 118.0),
        Product("GX-WARR", "Extended Warranty", 35.0, 0.0, "service"),
    ),
    customers=(
        "Springfield Electronics",
        "Shelbyville Retail",
        "Capital City Stores",
        "Ogdenville Outlet",
        "North Haverbrook Tech",
        "Brockway Supplies",
        "Cypress Creek Gadgets",
        "Monorail Media",
        "Plow King Logistics",
        "Lanley Systems",
        "Evergreen Terrace Co-op",
        "Waverly Hills Office",
        "Sprawl-Mart",
        "Hank's Hammocks",
        "Rich Texan Holdings",
        "Blinky Seafood",
    ),
    vendors=(
        "Shenzhen Components Ltd",
        "Pacific Electronics Wholesale",
        "EuroCable GmbH",
        "Harbor Freight Forwarders",
        "City Warehouse Leasing",
        "Gridline Energy",
    ),
    salespeople=("Hank Scorpio", "Dana Whitfield", "Omar Haddad", "Priya Nair"),
    stages=(
        ("New", 10.0),
        ("Qualified", 25.0),
        ("Proposition", 50.0),
        ("Negotiation", 75.0),
        ("Won", 100.0),
    ),
    campaigns=(
        "Back to School Tech Deals",
        "Black Friday Preview",
        "Cyber Monday Bundles",
        "New Arrivals: Audio",
        "Reseller Program Launch",
        "Monitor Week",
        "Holiday Gift Guide",
        "Spring Clearance",
        "Partner Newsletter March",
        "Partner Newsletter June",
        "Smart Home Starter Kits",
        "Warranty Upsell Reminder",
        "Trade Account Survey",
    ),
    lead_topics=("Monitors", "Audio Gear", "Networking Kit", "Accessories", "Tablets"),
    invoice_range=(2_500.0, 26_000.0),
    bill_range=(1_500.0, 16_000.0),
    invoices=44,
    bills=26,
    leads=62,
    orders=48,
    rent=11_200.0,
    payroll=52_000.0,
    closed_months_ago=4,
    foreign_banks=(("BNK3", "Chase EUR Account", "EUR", 95_000.0),),
    subsidiary=Subsidiary(
        company="Globex Europe B.V.",
        currency="EUR",
        banks=(("BNK1", "ING Business Account", 180_000.0),),
        invoice_range=(1_500.0, 14_000.0),
        bill_range=(800.0, 7_000.0),
        invoices=14,
        bills=9,
        rent=4_800.0,
        payroll=21_000.0,
        closed_months_ago=2,
    ),
)

PROFILES = {"acme": ACME, "globex": GLOBEX}
