"""Connections that go only where the address policy allows: resolve once, vet, connect to that address.

Why a network backend, and not a check before the request: if the tool resolved a name, vetted
the answer, and then let the HTTP client resolve it again to connect, a hostile DNS server could
answer "public" the first time and "169.254.169.254" the second (DNS rebinding). Here the
resolution that is vetted is the one that is used: httpcore hands ``connect_tcp`` the host of the
URL, this backend resolves it once, refuses unless *every* address is allowed, and connects to a
vetted IP itself. httpcore still starts TLS with the URL's host name, so SNI and certificate
verification are unchanged. httpcore calls ``connect_tcp`` for every new connection, so every
redirect hop to a new origin is vetted the same way; no proxy is involved (httpcore reads no
proxy variables), so the address vetted is the address reached.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpcore

from agent_core.errors import ToolError
from agent_core.tools.web.addresses import AddressPolicy, IPAddress, parse_address

Resolver = Callable[[str], Awaitable[list[IPAddress]]]


async def system_resolver(host: str) -> list[IPAddress]:
    """The addresses the operating system resolves ``host`` to (A and AAAA), in its order."""
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ToolError(f"could not resolve {host}: check the address") from exc
    addresses = (parse_address(str(answer[4][0])) for answer in answers)
    return list(dict.fromkeys(address for address in addresses if address is not None))


class VettedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the policy allows."""

    def __init__(
        self,
        policy: AddressPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def vetted_addresses(self, host: str, port: int) -> list[IPAddress]:
        """Every address of ``host``; a :class:`ToolError` if any of them is off limits."""
        self._policy.check_host(host)
        literal = parse_address(host)
        addresses = [literal] if literal is not None else await self._resolver(host)
        if not addresses:
            raise ToolError(f"could not resolve {host}: check the address")
        for address in addresses:
            self._policy.check_address(host, address, port)
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in await self.vetted_addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the host's next address, as a browser would
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ToolError("refused: web pages are fetched over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
