"""A test-only DNS: names answered from a table, each lookup recorded. No query leaves the process."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import ip_address

from agent_core.errors import ToolError
from agent_core.tools.web.addresses import IPAddress


class StaticResolver:
    """Answers ``host`` with its next list of addresses (the last one repeats), like a fickle DNS."""

    def __init__(self, answers: dict[str, Sequence[Sequence[str]]]) -> None:
        self._answers = {
            host: [list(map(ip_address, batch)) for batch in batches] for host, batches in answers.items()
        }
        self.lookups: list[str] = []

    async def __call__(self, host: str) -> list[IPAddress]:
        self.lookups.append(host)
        batches = self._answers.get(host)
        if not batches:
            raise ToolError(f"could not resolve {host}: check the address")
        seen = self.lookups.count(host)
        return batches[min(seen, len(batches)) - 1]
