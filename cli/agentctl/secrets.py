"""``agentctl secret set|show``: a tenant's credentials in Secrets Manager; values are never printed."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from agent_core.keys import checked_id
from agent_core.tenancy import TENANT_SECRET_FIELDS
from agentctl.console import fields
from agentctl.context import Context
from agentctl.errors import CommandError, UsageError

KNOWN_FIELDS = TENANT_SECRET_FIELDS
MASK = "********"


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: list[argparse.ArgumentParser]
) -> None:
    """Add ``secret`` and its actions to the command line."""
    secret = commands.add_parser("secret", help="set and show a tenant's credentials")
    actions = secret.add_subparsers(dest="action", required=True, metavar="ACTION")

    put = actions.add_parser(
        "set",
        parents=common,
        help="set a tenant's credentials (prompted, or from a JSON file)",
        description=f"Set a tenant's credentials: {', '.join(KNOWN_FIELDS)}. Without --file or "
        "--from-stdin each is prompted for, unechoed; Enter keeps the current value. Values merge into "
        "the current secret (a JSON null removes a field) unless --replace. Values are never printed.",
        epilog="example: %(prog)s initech --file initech.json",
    )
    put.add_argument("tenant_id")
    source = put.add_mutually_exclusive_group()
    source.add_argument("--file", metavar="PATH", help="a JSON object of field: value")
    source.add_argument("--from-stdin", action="store_true", help="read that JSON object from stdin")
    put.add_argument("--replace", action="store_true", help="overwrite the secret instead of merging")
    put.set_defaults(handler=set_secret)

    show = actions.add_parser(
        "show",
        parents=common,
        help="which credentials a tenant has (values masked)",
        description="List the fields of a tenant's secret, values masked.",
    )
    show.add_argument("tenant_id")
    show.set_defaults(handler=show_secret)


def set_secret(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    current = _current(ctx, tenant.tenant_id, replacing=options.replace)
    if options.file is not None:
        given = _parse(_read_file(Path(options.file)), options.file)
    elif options.from_stdin:
        given = _parse(sys.stdin.read(), "stdin")
    else:
        given = _prompt({} if options.replace else current)
    for name in given:
        if name not in KNOWN_FIELDS:
            ctx.console.warn(
                f"{name} is not a field the runtime reads ({', '.join(KNOWN_FIELDS)}); stored anyway"
            )
    base = {} if options.replace else dict(current)
    updated = {**base, **{name: value for name, value in given.items() if value is not None}}
    for name, value in given.items():
        if value is None:
            updated.pop(name, None)
    changed = sorted(
        name for name in updated.keys() | current.keys() if updated.get(name) != current.get(name)
    )
    name = ctx.secrets.tenant_secret_name(tenant.tenant_id)
    if changed:
        ctx.secrets.put_tenant_secret(tenant.tenant_id, updated)
    names = _field_names(updated)
    headline = (
        f"Saved secret {name}. Functions read it within their secret cache (300 s by default)."
        if changed
        else f"No change: secret {name} not written."
    )
    summary = fields(
        [
            ("changed", ", ".join(changed) or "-"),
            ("set", ", ".join(names["set"]) or "-"),
            ("not set", ", ".join(names["not_set"]) or "-"),
        ]
    )
    ctx.console.result(
        {"tenant_id": tenant.tenant_id, "secret_name": name, "changed": changed, **names},
        f"{headline}\n{summary}",
    )


def show_secret(options: argparse.Namespace, ctx: Context) -> None:
    tenant = ctx.tenant(checked_id(options.tenant_id, "tenant_id"))
    name = ctx.secrets.tenant_secret_name(tenant.tenant_id)
    values = _current(ctx, tenant.tenant_id, replacing=False)
    names = _field_names(values)
    rows = [(field, MASK if field in values else "(not set)") for field in KNOWN_FIELDS]
    rows += [
        (field, f"{MASK}  (not a field the runtime reads)")
        for field in names["set"]
        if field not in KNOWN_FIELDS
    ]
    ctx.console.result(
        {
            "tenant_id": tenant.tenant_id,
            "secret_name": name,
            "fields": dict.fromkeys(names["set"], MASK),
            "not_set": names["not_set"],
        },
        f"Secret {name}{'' if values else ' (none yet)'}\n{fields(rows)}",
    )


def _current(ctx: Context, tenant_id: str, *, replacing: bool) -> dict[str, Any]:
    """The tenant's secret now; one that is not JSON (written by hand, say) only matters if merged into."""
    try:
        return ctx.secrets.tenant_secret(tenant_id)
    except ValueError:
        if replacing:
            return {}
        name = ctx.secrets.tenant_secret_name(tenant_id)
        hint = ctx.suggest(f"secret set {tenant_id} --replace")
        raise CommandError(f"secret {name} is not JSON: overwrite it with `{hint}`") from None


def _field_names(values: dict[str, Any]) -> dict[str, list[str]]:
    present = [*(f for f in KNOWN_FIELDS if f in values), *sorted(set(values) - set(KNOWN_FIELDS))]
    return {"set": present, "not_set": [f for f in KNOWN_FIELDS if f not in values]}


def _prompt(current: dict[str, Any]) -> dict[str, str | None]:
    """Ask for each known field, unechoed; an empty answer keeps what is there."""
    given: dict[str, str | None] = {}
    for name in KNOWN_FIELDS:
        hint = "set; Enter keeps it" if name in current else "not set; Enter leaves it unset"
        try:
            answer = getpass.getpass(f"{name} ({hint}): ")
        except EOFError:
            raise CommandError(
                "no answer to the prompt: use --file or --from-stdin without a terminal"
            ) from None
        if answer.strip():
            given[name] = answer.strip()
    return given


def _read_file(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _parse(text: str, origin: str) -> dict[str, str | None]:
    """A JSON object of field names to strings (or null, to remove the field)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{origin} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{origin} must hold a JSON object of field: value")
    wrong = sorted(name for name, value in data.items() if value is not None and not isinstance(value, str))
    if wrong:
        raise UsageError(f"{origin}: values must be strings (or null to remove): {', '.join(wrong)}")
    return data
