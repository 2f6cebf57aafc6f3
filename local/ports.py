"""The local stack's ports: each from its variable or a fixed default, and a clear error when taken."""

from __future__ import annotations

import errno
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class PortError(Exception):
    """A port the stack needs cannot be used; the message says which, and what to do."""


def port_from(environ: Mapping[str, str], variable: str, default: int) -> int:
    """The port ``variable`` names (0: any free port), else ``default``."""
    given = environ.get(variable, "").strip()
    if not given:
        return default
    if not given.isdigit() or int(given) > 65535:
        raise PortError(f"{variable}={given} is not a port (0 to 65535)")
    return int(given)


@contextmanager
def claiming(port: int, what: str, variable: str) -> Iterator[None]:
    """Bind ``what`` inside this block; a port in use becomes a :class:`PortError` naming ``variable``."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise PortError(
            f"port {port} ({what}) is in use: stop what listens there, or run with {variable}=<another port>"
        ) from None
