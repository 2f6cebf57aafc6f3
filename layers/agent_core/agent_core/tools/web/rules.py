"""The limits ``visit_webpage`` works within (a run finds them in ``ctx.services.web_rules``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_core.settings import Settings
from agent_core.tools.web.addresses import AddressPolicy
from agent_core.tools.web.network import Resolver, system_resolver

MAX_PAGE_BYTES = 1_000_000  # 1 MB read at most; a larger page is cut
FETCH_TIMEOUT_SECONDS = 10.0  # for the whole visit: every redirect hop and the body
MAX_REDIRECTS = 5
MAX_TEXT_CHARS = 20_000  # what the model reads of one page


@dataclass(frozen=True)
class WebRules:
    """Where ``visit_webpage`` may connect, how it resolves names, and how much it may read."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)
    resolver: Resolver = system_resolver
    max_bytes: int = MAX_PAGE_BYTES
    timeout_seconds: float = FETCH_TIMEOUT_SECONDS
    max_redirects: int = MAX_REDIRECTS
    max_chars: int = MAX_TEXT_CHARS

    @classmethod
    def from_settings(cls, settings: Settings) -> WebRules:
        return cls(policy=AddressPolicy.from_settings(settings))
