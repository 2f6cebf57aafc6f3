"""``agentctl key create|list|update|revoke``: a tenant's API keys and their scopes (the key itself
is shown once)."""

from __future__ import annotations

import argparse

from agent_core.auth import issue_api_key
from agent_core.errors import InvalidRequest
from agent_core.keys import checked_id
from agent_core.scopes import DEFAULT_SCOPES, SCOPES, Scope, parse_scopes
from agentctl.console import table
from agentctl.context import Context
from agentctl.errors import CommandError, UsageError

SCOPES_HELP = (
    f"comma-separated, of: {', '.join(SCOPES)}. chat: chat with read tools only; chat:write: also "
    "run writes (it brings chat); audit:read: read the audit trail; admin: operator routes; "
    "end_users: act for end users named in X-End-User-Id"
)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``key`` and its actions to the command line."""
    key = commands.add_parser("key", help="create, list, re-scope and revoke a tenant's API keys")
    actions = key.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        parents=common,
        help="issue a key for one caller of a tenant",
        description="Issue an API key for a caller of a tenant. The key is printed once and only its "
        "hash is stored: keep it now.",
        epilog="example: %(prog)s initech --caller peter --scopes chat,chat:write",
    )
    create.add_argument("tenant_id")
    create.add_argument("--caller", required=True, metavar="CALLER_ID", help="who the key stands for")
    create.add_argument(
        "--scopes",
        metavar="LIST",
        default=",".join(DEFAULT_SCOPES),
        help=f"what the key may do, {SCOPES_HELP} (default: {','.join(DEFAULT_SCOPES)})",
    )
    create.set_defaults(handler=create_key)

    listing = actions.add_parser(
        "list",
        parents=common,
        help="list a tenant's keys (never the keys themselves)",
        description="List a tenant's keys: key id, caller, scopes, created, revoked.",
    )
    listing.add_argument("tenant_id")
    listing.set_defaults(handler=list_keys)

    update = actions.add_parser(
        "update",
        parents=common,
        help="change what one of a tenant's keys may do",
        description="Give a key exactly the scopes listed (see `key list`). Running functions apply "
        "them within their auth cache (30 s by default).",
        epilog="example: %(prog)s initech key_0123456789abcdef --scopes chat,audit:read",
    )
    update.add_argument("tenant_id")
    update.add_argument("key_id", help="key_… as `key list` shows it")
    update.add_argument("--scopes", required=True, metavar="LIST", help=f"the key's scopes, {SCOPES_HELP}")
    update.set_defaults(handler=update_key)

    revoke = actions.add_parser(
        "revoke",
        parents=common,
        help="revoke one of a tenant's keys",
        description="Revoke a key by its key id (see `key list`). Running functions refuse it within "
        "their auth cache (30 s by default).",
    )
    revoke.add_argument("tenant_id")
    revoke.add_argument("key_id", help="key_… as `key list` shows it")
    revoke.set_defaults(handler=revoke_key)


def create_key(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    caller_id = checked_id(options.caller, "caller id")
    scopes = _scopes(options.scopes)
    key, record = issue_api_key(ctx.api_keys, tenant.tenant_id, caller_id, scopes)
    ctx.console.result(
        {**record.model_dump(mode="json"), "api_key": key},
        f"Created key {record.key_id} for caller {caller_id} of tenant {tenant.tenant_id}, "
        f"scopes {','.join(record.scopes)}:\n\n"
        f"    {key}\n\n"
        "Keep it now: it will not be shown again (only its hash is stored).",
    )


def list_keys(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    records = sorted(ctx.api_keys.list(tenant.tenant_id), key=lambda r: r.created_at)
    rows = [
        (r.key_id, r.caller_id, ",".join(r.scopes) or "-", r.created_at, r.revoked_at or "-") for r in records
    ]
    text = (
        table(("KEY ID", "CALLER", "SCOPES", "CREATED", "REVOKED"), rows)
        if rows
        else f"Tenant {tenant.tenant_id} has no keys."
    )
    ctx.console.result([r.model_dump(mode="json") for r in records], text)


def update_key(options: argparse.Namespace, ctx: Context) -> None:
    tenant_id = checked_id(options.tenant_id, "tenant_id")
    key_id = checked_id(options.key_id, "key id")
    scopes = _scopes(options.scopes)
    try:
        record = ctx.api_keys.set_scopes(tenant_id, key_id, scopes)
    except InvalidRequest as exc:
        raise CommandError(exc.message) from None
    if record is None:
        raise CommandError(
            f"tenant {tenant_id} has no key {key_id} (see `{ctx.suggest(f'key list {tenant_id}')}`)"
        )
    ctx.console.result(
        record.model_dump(mode="json"),
        f"Key {key_id} of tenant {tenant_id} now has scopes {','.join(record.scopes)}. "
        "Functions apply them within their auth cache (30 s by default).",
    )


def _scopes(listed: str) -> tuple[Scope, ...]:
    try:
        return parse_scopes(listed.split(","))
    except ValueError as exc:
        raise UsageError(f"--scopes: {exc}") from None


def revoke_key(options: argparse.Namespace, ctx: Context) -> None:
    tenant_id = checked_id(options.tenant_id, "tenant_id")
    key_id = checked_id(options.key_id, "key id")
    if not ctx.api_keys.revoke(tenant_id, key_id):
        raise CommandError(
            f"tenant {tenant_id} has no key {key_id} (see `{ctx.suggest(f'key list {tenant_id}')}`)"
        )
    ctx.console.result(
        {"tenant_id": tenant_id, "key_id": key_id, "revoked": True},
        f"Revoked {key_id} of tenant {tenant_id}. "
        "Functions refuse it within their auth cache (30 s by default).",
    )
