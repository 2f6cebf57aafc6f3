"""What an API key allows: the scopes, named once, and how a stored list of them is read.

- ``chat``: talk with the agents; their read tools run, a write never does.
- ``chat:write``: besides, run writes (and, where a write waits for one, approve them).
- ``audit:read``: read the tenant's audit trail of tool calls.
- ``admin``: the operators' routes (switches, tenants), for the API routes that need it.
- ``end_users``: act for the end users of the caller's product, named in ``X-End-User-Id``: each
  end user's sessions and runs are theirs alone (see :class:`agent_core.tenancy.Owner`).

Each scope stands alone, except that ``chat:write`` brings ``chat`` with it: a key that may write
in a chat may chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Scope = Literal["chat", "chat:write", "audit:read", "admin", "end_users"]
SCOPES: tuple[Scope, ...] = get_args(Scope)

# What a new key gets unless its scopes are named: chatting with read tools, nothing more.
DEFAULT_SCOPES: tuple[Scope, ...] = ("chat",)

# Every key issued before scopes were checked was stored with ("chat", "read"), and could then chat,
# run writes wherever its tenant had them live, and read the audit trail. Such a key keeps doing
# exactly that: read back, it holds the scopes that allow it now. "read" is named by no scope today,
# so it marks those keys and nothing else; `agentctl key update` replaces it with chosen scopes.
RETIRED_READ = "read"
RETIRED_KEY_SCOPES: tuple[Scope, ...] = ("chat", "chat:write", "audit:read")


def parse_scopes(names: Iterable[str]) -> tuple[Scope, ...]:
    """``names`` as scopes, each once, in the order of :data:`SCOPES`; ``chat:write`` adds ``chat``.

    Raises ``ValueError`` naming an unknown scope and listing the known ones; an empty list too.
    """
    wanted = {name.strip() for name in names if name.strip()}
    if unknown := sorted(wanted - set(SCOPES)):
        raise ValueError(f"unknown scope {', '.join(unknown)}; the scopes are: {', '.join(SCOPES)}")
    if not wanted:
        raise ValueError(f"name at least one scope: {', '.join(SCOPES)}")
    if "chat:write" in wanted:
        wanted.add("chat")
    return tuple(scope for scope in SCOPES if scope in wanted)


def stored_scopes(names: Iterable[str]) -> tuple[Scope, ...]:
    """The scopes a key's stored list grants, in the order of :data:`SCOPES`.

    A list holding the retired ``read`` (a key issued before scopes were checked) grants
    :data:`RETIRED_KEY_SCOPES`. A name this version does not know grants nothing and is dropped
    rather than refused: a key written by a newer version still authenticates after a rollback.
    """
    granted = set(names)
    if RETIRED_READ in granted:
        granted.update(RETIRED_KEY_SCOPES)
    if "chat:write" in granted:
        granted.add("chat")
    return tuple(scope for scope in SCOPES if scope in granted)
