"""Kill switches: what is turned off (for every tenant, a tenant, an agent or a tool), by whom, when
and why, with a log of every flip.

A scope's switches are one item (the platform's for the global ones, the tenant's in its own
partition), one attribute per switch, so the switches that apply to a tenant are one BatchGetItem.
A switch turned on again keeps its entry: it says who turned it on, and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from agent_core import keys
from agent_core.clock import epoch_after, iso
from agent_core.ids import new_id
from agent_core.store.table import Item, Table, encode

_ATTRIBUTE = "sw#"  # a switch's attribute in its scope's item: sw#<target name>


class SwitchTarget(BaseModel):
    """What a switch stops: a tenant (``None``: every tenant), and within it everything, one agent,
    one tool, or one tool of one agent."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str | None = None
    agent_id: str | None = None
    tool: str | None = None

    @field_validator("tenant_id", "agent_id", "tool")
    @classmethod
    def _may_enter_a_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else keys.checked_id(value, info.field_name or "id")

    @property
    def name(self) -> str:
        """The switch's name within its scope: ``all``, ``agent/A``, ``tool/T`` or ``agent/A/tool/T``."""
        parts = [f"agent/{self.agent_id}"] if self.agent_id else []
        parts += [f"tool/{self.tool}"] if self.tool else []
        return "/".join(parts) or "all"

    def describe(self) -> str:
        """``tool create_task, agent projects, tenant acme``; ``every tenant``."""
        parts = [f"tool {self.tool}"] if self.tool else []
        parts += [f"agent {self.agent_id}"] if self.agent_id else []
        parts.append(f"tenant {self.tenant_id}" if self.tenant_id else "every tenant")
        return ", ".join(parts)

    def target(self) -> SwitchTarget:
        return SwitchTarget(tenant_id=self.tenant_id, agent_id=self.agent_id, tool=self.tool)


class Switch(SwitchTarget):
    """A switch as it was last flipped."""

    off: bool
    by: str
    at: str
    reason: str = ""


@dataclass(frozen=True)
class Switches:
    """The switches that apply to one tenant (the global ones and its own), as read at one moment."""

    entries: tuple[Switch, ...] = ()

    def stopping_agent(self, agent_id: str) -> Switch | None:
        """The switch that stops this agent of the tenant altogether, if one does."""
        return next(
            (s for s in self._off() if s.tool is None and s.agent_id in (None, agent_id)),
            None,
        )

    def stopping_tool(self, agent_id: str, tool: str) -> Switch | None:
        """The switch that stops this tool of this agent (or the whole agent), if one does."""
        return self.stopping_agent(agent_id) or next(
            (s for s in self._off() if s.tool == tool and s.agent_id in (None, agent_id)),
            None,
        )

    def _off(self) -> Iterable[Switch]:
        # The global switches first: when both stop something, the platform's is the one to name.
        return sorted((s for s in self.entries if s.off), key=lambda s: s.tenant_id is not None)


class SwitchStore:
    def __init__(self, table: Table, *, log_retention_days: int) -> None:
        self.table = table
        self.log_retention_days = log_retention_days

    def for_tenant(self, tenant_id: str) -> Switches:
        """The global switches and the tenant's, in one BatchGetItem."""
        return Switches(tuple(self._entries([None, tenant_id])))

    def listed(self, tenant_ids: Iterable[str | None]) -> list[Switch]:
        """Every switch of these scopes (``None``: the global ones), off or on again."""
        return self._entries(list(dict.fromkeys(tenant_ids)))

    def flip(self, target: SwitchTarget, *, off: bool, by: str, reason: str, now: datetime) -> Switch:
        """Turn ``target`` off or on; the switch and a line of its log are written together."""
        switch = Switch(**target.model_dump(), off=off, by=by, at=iso(now), reason=reason)
        pk = keys.switches_pk(target.tenant_id)
        self.table.transact(
            [
                {
                    "Update": {
                        "Key": encode({"PK": pk, "SK": keys.SWITCHES_SK}),
                        "UpdateExpression": "SET #switch = :switch",
                        "ExpressionAttributeNames": {"#switch": _ATTRIBUTE + target.name},
                        "ExpressionAttributeValues": encode({":switch": switch.model_dump_json()}),
                    }
                },
                {
                    "Put": {
                        "Item": encode(
                            {
                                "PK": pk,
                                "SK": keys.switch_log_sk(switch.at, new_id("flip")),
                                "expires_at": epoch_after(now, self.log_retention_days),
                                "data": switch.model_dump_json(),
                            }
                        )
                    }
                },
            ]
        )
        return switch

    def log(self, tenant_id: str | None, *, limit: int) -> list[Switch]:
        """The latest flips of one scope (``None``: the global switches), newest first."""
        items, _ = self.table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :log)",
            ExpressionAttributeValues=encode(
                {":pk": keys.switches_pk(tenant_id), ":log": keys.SWITCH_LOG_PREFIX}
            ),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Switch.model_validate_json(item["data"]) for item in items]

    def _entries(self, scopes: list[str | None]) -> list[Switch]:
        found = self.table.batch_get([(keys.switches_pk(scope), keys.SWITCHES_SK) for scope in scopes])
        return [
            switch
            for scope in scopes
            if (item := found.get(keys.switches_pk(scope)))
            for switch in _switches(item)
        ]


def _switches(item: Item) -> list[Switch]:
    return sorted(
        (Switch.model_validate_json(value) for name, value in item.items() if name.startswith(_ATTRIBUTE)),
        key=lambda s: (s.agent_id or "", s.tool or ""),
    )
