"""The options that describe a tenant, and turning them into changes of its record."""

from __future__ import annotations

import argparse
from typing import Any, get_args

from pydantic import ValidationError

from agent_core.keys import checked_id
from agent_core.llm.types import Effort, ThinkingMode
from agent_core.tenancy import BreakerAction, Tenant, WriteMode
from agentctl.errors import UsageError
from agentctl.limit_options import OPTION_OF as LIMIT_OPTION_OF
from agentctl.limit_options import add_limit_options, limit_changes

WRITE_MODES = get_args(WriteMode)
THINKING_MODES = get_args(ThinkingMode)
EFFORTS = get_args(Effort)
BREAKER_ACTIONS = get_args(BreakerAction)
INHERIT = "inherit"
NONE = "none"  # on update, drops an Odoo company list, language or time zone
ODOO_OPTIONS = ("odoo_url", "odoo_db", "odoo_company", "odoo_lang", "odoo_tz")
# Where a field of the tenant record comes from on the command line, for validation messages.
_OPTION_OF = {
    "name": "--name",
    "plan": "--plan",
    "model": "--model",
    "enabled_agents": "--agents",
    "odoo.url": "--odoo-url",
    "odoo.db": "--odoo-db",
    "odoo.companies": "--odoo-company",
    "odoo.lang": "--odoo-lang",
    "odoo.tz": "--odoo-tz",
    "projects_url": "--projects-url",
    "writes": "--writes",
    "breaker": "--breaker",
    "allowed_origins": "--allowed-origins",
    **LIMIT_OPTION_OF,
}


def add_tenant_options(parser: argparse.ArgumentParser, *, update: bool) -> None:
    """``--name``, ``--plan``, ``--agents``, the bindings and the write modes (and, on update, unbinding)."""
    parser.add_argument("--name", required=not update, help="the tenant's display name")
    parser.add_argument("--plan", help="the tenant's plan" + ("" if update else " (default: standard)"))
    parser.add_argument(
        "--agents",
        metavar="LIST",
        help="agents the tenant may use, comma-separated"
        + (", replacing the list" if update else " (default: general)"),
    )
    parser.add_argument("--model", help="a model id for this tenant instead of the platform's")
    parser.add_argument("--odoo-url", metavar="URL", help="the tenant's Odoo (with --odoo-db)")
    parser.add_argument("--odoo-db", metavar="DB", help="the Odoo database name")
    cleared = f"; {NONE} drops it" if update else ""
    parser.add_argument(
        "--odoo-company",
        metavar="ID[,ID…]",
        action="append",
        help="the Odoo company (res.company id) every call is made for, repeatable or comma-separated; "
        "the first is the current company (default: all of the Odoo user's companies)" + cleared,
    )
    parser.add_argument(
        "--odoo-lang",
        metavar="LANG",
        help="the language Odoo answers in, e.g. fr_FR (default: the Odoo user's)" + cleared,
    )
    parser.add_argument(
        "--odoo-tz",
        metavar="ZONE",
        help="the IANA time zone Odoo reads dates in, e.g. Europe/Paris (default: the Odoo user's)" + cleared,
    )
    parser.add_argument("--projects-url", metavar="URL", help="the tenant's project API")
    parser.add_argument(
        "--writes",
        choices=WRITE_MODES,
        help="write mode of every agent" + ("" if update else " (default: shadow)"),
    )
    parser.add_argument(
        "--agent-writes",
        metavar="AGENT=MODE,…",
        help="per-agent write modes, e.g. projects=confirm"
        + (f"; merged into the current ones, MODE {INHERIT} drops one" if update else ""),
    )
    merged = f"; merged into the current ones, {INHERIT} drops one" if update else ""
    parser.add_argument(
        "--agent-thinking",
        metavar="AGENT=MODE,…",
        help=f"per-agent thinking, MODE one of {', '.join(THINKING_MODES)} (default: the agent's){merged}",
    )
    parser.add_argument(
        "--agent-effort",
        metavar="AGENT=EFFORT,…",
        help=f"per-agent effort, one of {', '.join(EFFORTS)} (default: the agent's){merged}",
    )
    parser.add_argument(
        "--breaker",
        choices=BREAKER_ACTIONS,
        help="when the tenant's tool calls run far above its usual: alert the operators, or alert and "
        "switch the tenant off" + ("" if update else " (default: alert)"),
    )
    parser.add_argument(
        "--allowed-origins",
        metavar="LIST",
        help="web origins of the tenant's own front end whose pages may read the API's answers (CORS), "
        "comma-separated, e.g. https://app.example.com"
        + (', replacing the list ("" for none)' if update else ""),
    )
    add_limit_options(parser, update=update)
    if update:
        parser.add_argument("--no-odoo", action="store_true", help="unbind the tenant's Odoo")
        parser.add_argument("--no-projects", action="store_true", help="unbind the tenant's project API")
        parser.add_argument("--no-model", action="store_true", help="use the platform's model again")


def tenant_changes(options: argparse.Namespace, current: Tenant | None) -> dict[str, Any]:
    """The record fields the options set; ``current`` is the tenant being updated, if any."""
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("name", options.name),
            ("plan", options.plan),
            ("writes", options.writes),
            ("breaker", options.breaker),
        )
        if value is not None
    }
    for name in ("name", "plan", "model"):
        if getattr(options, name) is not None and not getattr(options, name).strip():
            raise UsageError(f"--{name} cannot be empty")
    if options.agents is not None:
        changes["enabled_agents"] = _agent_list(options.agents)
    if options.allowed_origins is not None:
        changes["allowed_origins"] = options.allowed_origins  # the record splits and checks the list
    _exclusive(options, "no_model", "model")
    if options.model is not None or getattr(options, "no_model", False):
        changes["model"] = None if getattr(options, "no_model", False) else options.model
    _exclusive(options, "no_projects", "projects_url")
    if options.projects_url is not None or getattr(options, "no_projects", False):
        changes["projects_url"] = None if getattr(options, "no_projects", False) else options.projects_url
    _exclusive(options, "no_odoo", *ODOO_OPTIONS)
    if getattr(options, "no_odoo", False):
        changes["odoo"] = None
    elif any(getattr(options, name) is not None for name in ODOO_OPTIONS):
        changes["odoo"] = _odoo_binding(options, current)
    if options.agent_writes is not None:
        merged: dict[str, str] = dict(current.agent_writes) if current else {}
        for agent_id, mode in _agent_pairs("--agent-writes", options.agent_writes, WRITE_MODES, current):
            if mode == INHERIT:
                merged.pop(agent_id, None)
            else:
                merged[agent_id] = mode
        changes["agent_writes"] = merged
    if options.agent_thinking is not None or options.agent_effort is not None:
        changes["agent_thinking"] = _thinking(options, current)
    if (limits := limit_changes(options, current)) is not None:
        changes["limits"] = limits
    return changes


def _thinking(options: argparse.Namespace, current: Tenant | None) -> dict[str, dict[str, str | None]]:
    """The tenant's per-agent thinking overrides with the options' changes merged in."""
    merged = {
        agent_id: override.model_dump(mode="json")
        for agent_id, override in (current.agent_thinking.items() if current else ())
    }
    for field, flag, value, choices in (
        ("mode", "--agent-thinking", options.agent_thinking, THINKING_MODES),
        ("effort", "--agent-effort", options.agent_effort, EFFORTS),
    ):
        for agent_id, choice in _agent_pairs(flag, value or "", choices, current):
            merged.setdefault(agent_id, {"mode": None, "effort": None})[field] = (
                None if choice == INHERIT else choice
            )
    return {agent_id: override for agent_id, override in merged.items() if any(override.values())}


def _odoo_binding(options: argparse.Namespace, current: Tenant | None) -> dict[str, Any]:
    """The tenant's Odoo binding with the options' changes: what they leave out stays as it was."""
    bound = current.odoo if current else None
    binding: dict[str, Any] = bound.model_dump(mode="json") if bound else {}
    if options.odoo_url is not None:
        binding["url"] = options.odoo_url
    if options.odoo_db is not None:
        binding["db"] = options.odoo_db
    if not binding.get("url") or not binding.get("db"):
        raise UsageError("--odoo-url and --odoo-db go together: the tenant has no Odoo binding yet")
    if options.odoo_company is not None:
        binding["companies"] = _companies(options.odoo_company, update=current is not None)
    for name, value in (("lang", options.odoo_lang), ("tz", options.odoo_tz)):
        if value is not None:
            binding[name] = None if value == NONE and current is not None else value
    return binding


def _companies(values: list[str], *, update: bool) -> list[int]:
    """``--odoo-company`` values (``3``, ``3,4``, repeated), as ids in the order given."""
    if update and values == [NONE]:
        return []
    ids: list[int] = []
    for part in (part.strip() for value in values for part in value.split(",")):
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"--odoo-company wants company ids (whole numbers from 1), not {part!r}")
        ids.append(int(part))
    if not ids:
        raise UsageError("--odoo-company needs at least one company id")
    return ids


def _option_of(where: str) -> str:
    """The option a field (``odoo.companies.0``) comes from, else the field itself."""
    parts = where.split(".")
    for end in range(len(parts), 0, -1):
        if (option := _OPTION_OF.get(".".join(parts[:end]))) is not None:
            return option
    return where


def build_tenant(data: dict[str, Any]) -> Tenant:
    """A tenant record validated by the model itself; a failure is one line naming the option."""
    try:
        return Tenant.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"{_option_of(where)}: {error['msg']}")
        raise UsageError("; ".join(problems)) from None


def _agent_list(value: str) -> tuple[str, ...]:
    agents = tuple(
        dict.fromkeys(checked_id(name.strip(), "agent id") for name in value.split(",") if name.strip())
    )
    if not agents:
        raise UsageError("--agents needs at least one agent")
    return agents


def _agent_pairs(
    flag: str, value: str, choices: tuple[str, ...], current: Tenant | None
) -> list[tuple[str, str]]:
    """``AGENT=CHOICE,…`` parsed; ``inherit`` (drop the tenant's choice) only on update."""
    allowed = (*choices, INHERIT) if current is not None else choices
    pairs = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        agent_id, sep, choice = entry.partition("=")
        if not sep or choice.strip() not in allowed:
            what = "EFFORT" if flag == "--agent-effort" else "MODE"
            wanted = f"AGENT={what} with {what} one of {', '.join(allowed)}"
            raise UsageError(f"{flag} wants {wanted}, not {entry!r}")
        pairs.append((checked_id(agent_id.strip(), "agent id"), choice.strip()))
    return pairs


def _exclusive(options: argparse.Namespace, flag: str, *others: str) -> None:
    if getattr(options, flag, False) and any(getattr(options, name) is not None for name in others):
        given = ", ".join("--" + name.replace("_", "-") for name in others)
        raise UsageError(f"--{flag.replace('_', '-')} cannot go with {given}")
