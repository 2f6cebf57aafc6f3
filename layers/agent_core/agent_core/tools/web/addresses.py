"""Which network addresses ``visit_webpage`` may connect to.

A page the model asks for must be on the public internet: never the runtime's own host, its VPC,
the link-local range, or a cloud metadata service (the one address that hands out AWS
credentials). The policy judges *addresses*, after DNS resolution, because a public-looking name
can resolve to anything; the network backend (:mod:`.network`) asks it about every address it
is about to connect to.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Literal

from agent_core.errors import ToolError
from agent_core.settings import Settings

IPAddress = IPv4Address | IPv6Address
Category = Literal[
    "cloud metadata", "unspecified", "loopback", "link-local", "multicast", "private", "reserved"
]
Endpoint = tuple[IPAddress, int]

# Instance and task metadata services: AWS (IMDS over IPv4 and IPv6, ECS task credentials,
# EKS Pod Identity), also used by GCP, Azure and Oracle; Alibaba's and Oracle's legacy address.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ip_address(text)
    for text in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.170.23",
        "fd00:ec2::254",
        "fd00:ec2::23",
        "100.100.100.200",
        "192.0.0.192",
    )
)
# Names that reach a metadata service from inside a cloud, refused before any DNS lookup.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
PRIVATE_NETWORKS = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"),  # carrier-grade NAT, also where some clouds put internal services
    IPv6Network("fc00::/7"),  # unique local addresses
)
NAT64 = IPv6Network("64:ff9b::/96")
_ARTICLES = {"unspecified": "an"}


def classify(address: IPAddress) -> Category | None:
    """The kind of non-public address this is, or ``None`` for a public one."""
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    embedded = embedded_ipv4(address)
    if embedded is not None:
        return classify(embedded)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in PRIVATE_NETWORKS):
        return "private"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


def embedded_ipv4(address: IPAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), which is what gets reached."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def parse_address(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is a literal one (brackets and zone allowed), else ``None``."""
    try:
        return ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Public addresses only, unless a category or an exact endpoint is let through.

    ``allow`` lets whole categories through (``loopback`` and ``private`` when the settings say
    so, for tests); ``allow_endpoints`` lets exact ``(address, port)`` pairs through, so a test can
    serve pages on one loopback port and still see every other loopback address refused. Cloud
    metadata addresses and names are refused whatever is allowed.
    """

    allow: frozenset[Category] = frozenset()
    allow_endpoints: frozenset[Endpoint] = frozenset()

    def __post_init__(self) -> None:
        if "cloud metadata" in self.allow:
            raise ValueError("cloud metadata addresses cannot be allowed")
        if any(address in METADATA_ADDRESSES for address, _ in self.allow_endpoints):
            raise ValueError("cloud metadata addresses cannot be allowed")

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        return cls(
            allow=frozenset({"loopback", "private"}) if settings.web_allow_private_network else frozenset()
        )

    def check_host(self, host: str) -> None:
        """Refuse a metadata service's name before it is ever looked up."""
        name = host.lower().rstrip(".")
        if any(name == known or name.endswith("." + known) for known in METADATA_HOSTS):
            raise ToolError(f"refused: {host} is a cloud metadata host")

    def check_address(self, host: str, address: IPAddress, port: int) -> None:
        """Raise a :class:`ToolError` the model reads if ``address`` (of ``host``) is off limits."""
        category = classify(address)
        if category is None:
            return
        if category != "cloud metadata" and (
            category in self.allow or (address, port) in self.allow_endpoints
        ):
            return
        kind = f"{_ARTICLES.get(category, 'a')} {category} address"
        if parse_address(host) == address:
            raise ToolError(f"refused: {address} is {kind}")
        raise ToolError(f"refused: {host} resolves to {address}, {kind}")
