"""Web origins (``https://app.example.com``): where a browser page that may read the API's answers
is served from. A deployment lists them in ``ALLOWED_ORIGINS``; a tenant with its own front end
adds its own."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# An origin as a browser sends it (RFC 6454 §6.1): scheme, host, and a port unless the default.
_ORIGIN = re.compile(
    r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(\.?)(:[0-9]{1,5})?$|^https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?$"
)
ANY_ORIGIN = "*"


def _split(value: Any) -> Any:
    """``"https://a.example, https://b.example"`` (as an environment variable holds it) → a tuple."""
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[,\s]+", value) if part)
    return value


def _origin(value: str) -> str:
    lowered = value.strip().lower().rstrip("/")
    if lowered != ANY_ORIGIN and _ORIGIN.fullmatch(lowered) is None:
        raise ValueError(
            f"{value!r} is not an origin: scheme and host, and a port if any (https://app.example.com)"
        )
    return lowered


def _origins(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_origin(value) for value in values))


def _no_wildcard(values: tuple[str, ...]) -> tuple[str, ...]:
    if ANY_ORIGIN in values:
        raise ValueError("a tenant names its own origins; '*' is a deployment's choice (ALLOWED_ORIGINS)")
    return values


Origins = Annotated[tuple[str, ...], BeforeValidator(_split), AfterValidator(_origins)]
"""Origins, or ``*`` (any origin): comma- or space-separated in a string, or a sequence."""

TenantOrigins = Annotated[Origins, AfterValidator(_no_wildcard)]
"""A tenant's own origins (no ``*``)."""


def allows(origins: tuple[str, ...], origin: str) -> bool:
    """Whether a page served from ``origin`` may read the answers, by ``origins``."""
    return ANY_ORIGIN in origins or origin.lower() in origins
