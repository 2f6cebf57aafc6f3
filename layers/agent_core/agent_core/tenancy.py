"""Who is calling, and what their tenant is bound to and may use."""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, PositiveInt, ValidationInfo, field_validator

from agent_core.errors import Forbidden
from agent_core.llm.types import Effort, Thinking, ThinkingMode
from agent_core.origins import TenantOrigins
from agent_core.scopes import DEFAULT_SCOPES, Scope

# shadow: a write does not run (the model reads what would have happened); confirm: it runs once a
# person with the right to write approves it; live: it runs.
WriteMode = Literal["shadow", "confirm", "live"]
# What the anomaly breaker does when the tenant's tool calls run far above its usual: alert the
# operators, or alert them and switch the tenant's agents off until an operator turns them on.
BreakerAction = Literal["alert", "switch_off"]

# The validation context of a record read back from the store: rules added since it was written
# (an Odoo URL in plain http) are checked where the record is used, not by refusing to read it.
STORED_KEY = "stored"
STORED: dict[str, Any] = {STORED_KEY: True}
_LANG = re.compile(r"^[a-z]{2,3}(_[A-Z]{2}|_[0-9]{3})?(@[a-z]+)?$")  # Odoo's res.lang codes
_ZONE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")

# What a tenant's secret (<prefix>/tenants/<tenant_id>, a JSON object) may hold.
TENANT_SECRET_FIELDS = ("odoo_login", "odoo_api_key", "projects_token", "anthropic_api_key")


class Owner(BaseModel):
    """Whose a session or a run is: the caller (the key's holder) and, when it acts for one, the end
    user it named. Nobody else of the tenant reads, continues or lists it."""

    model_config = ConfigDict(frozen=True)

    caller_id: str
    end_user_id: str | None = None


class Caller(BaseModel):
    """The identity behind an API key. The tenant comes from here and from nowhere else.

    ``end_user_id`` is the end user a request acts for (its ``X-End-User-Id``), if any: only a key
    with the ``end_users`` scope may name one (see :meth:`acting_for`).
    """

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    caller_id: str
    key_id: str
    scopes: tuple[Scope, ...] = DEFAULT_SCOPES
    end_user_id: str | None = None

    @property
    def owner(self) -> Owner:
        """Who the sessions and runs this caller starts belong to."""
        return Owner(caller_id=self.caller_id, end_user_id=self.end_user_id)

    @property
    def sees_tenant(self) -> bool:
        """Whether this caller reads every run of its tenant (a key with ``audit:read`` or ``admin``,
        not acting for an end user) rather than only its own."""
        return self.end_user_id is None and (self.may("audit:read") or self.may("admin"))

    def acting_for(self, end_user_id: str | None) -> Caller:
        """This caller acting for ``end_user_id`` (already shape-checked); 403 unless its key has
        ``end_users``. ``None`` is the caller itself."""
        if end_user_id is None:
            return self
        self.require("end_users", "acting for an end user (X-End-User-Id)")
        return self.model_copy(update={"end_user_id": end_user_id})

    def may(self, scope: Scope) -> bool:
        """Whether this caller's key has ``scope``."""
        return scope in self.scopes

    def require(self, scope: Scope, needed_for: str) -> None:
        """Raise :class:`Forbidden` (a 403) unless this caller's key has ``scope``."""
        if not self.may(scope):
            raise Forbidden(f"this API key lacks the {scope} scope, which {needed_for} needs")


class OdooBinding(BaseModel):
    """Where the tenant's Odoo lives, and as which companies, language and time zone it is read.

    Its login and API key live in the tenant's secret. The URL must be ``https`` (plain ``http``
    only to a loopback host, for local and test setups): the key travels with every call.
    ``companies`` are Odoo's ``allowed_company_ids`` (the first is the current company; none: the
    API user's own companies, as Odoo chooses); ``lang`` and ``tz`` go with every call too.
    A record stored before these rules is still read (see :data:`STORED`); the client refuses an
    ``http`` URL at call time, before any key is sent.
    """

    model_config = ConfigDict(frozen=True)

    url: HttpUrl
    db: str = Field(min_length=1, max_length=128)
    companies: tuple[PositiveInt, ...] = Field(default=(), max_length=32)
    lang: str | None = Field(default=None, max_length=16)
    tz: str | None = Field(default=None, max_length=64)

    @field_validator("url")
    @classmethod
    def _https(cls, url: HttpUrl, info: ValidationInfo) -> HttpUrl:
        if not _stored(info) and (problem := insecure_url(url)):
            raise ValueError(problem)
        return url

    @field_validator("lang")
    @classmethod
    def _language_code(cls, lang: str | None) -> str | None:
        if lang is not None and not _LANG.match(lang):
            raise ValueError(f"{lang!r} is not an Odoo language code (such as en_US, fr_FR or es_419)")
        return lang

    @field_validator("companies")
    @classmethod
    def _distinct(cls, companies: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(companies)) != len(companies):
            raise ValueError("a company is named twice")
        return companies

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, tz: str | None, info: ValidationInfo) -> str | None:
        if tz is not None and not _stored(info) and (problem := unknown_zone(tz)):
            raise ValueError(problem)
        return tz


class ThinkingOverride(BaseModel):
    """A tenant's own choice for one agent's thinking; what it leaves out stays the agent's."""

    model_config = ConfigDict(frozen=True)

    mode: ThinkingMode | None = None
    effort: Effort | None = None

    def over(self, default: Thinking) -> Thinking:
        return Thinking(mode=self.mode or default.mode, effort=self.effort or default.effort)


class TenantLimits(BaseModel):
    """How much of the runtime a tenant may use; enforced across every instance (``agent_core.limits``).

    Budgets are in USD, priced by ``agent_core.llm.prices``; unset means unlimited.
    """

    model_config = ConfigDict(frozen=True)

    turns_per_minute: int = Field(default=60, ge=1, le=1_000_000)
    tool_calls_per_second: int = Field(default=30, ge=1, le=1_000_000, description="Of each tool.")
    tool_calls_per_second_by_tool: dict[str, PositiveInt] = Field(
        default_factory=dict, description="Per-tool limits that replace tool_calls_per_second."
    )
    daily_budget_usd: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    monthly_budget_usd: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)

    def tool_rate(self, tool: str) -> int:
        """Calls of ``tool`` allowed per second."""
        return self.tool_calls_per_second_by_tool.get(tool, self.tool_calls_per_second)


class Tenant(BaseModel):
    """A customer of the SaaS that deploys this runtime.

    Writes are in shadow mode unless the tenant, or one agent of it, is set to ``confirm`` (each
    write waits for a person's approval) or ``live``.
    """

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    name: str
    plan: str = "standard"
    enabled_agents: tuple[str, ...] = ("general",)
    model: str | None = Field(default=None, description="Overrides the platform's model id.")
    odoo: OdooBinding | None = None
    projects_url: HttpUrl | None = None
    writes: WriteMode = "shadow"
    agent_writes: dict[str, WriteMode] = Field(default_factory=dict)
    agent_thinking: dict[str, ThinkingOverride] = Field(default_factory=dict)
    breaker: BreakerAction = "alert"
    allowed_origins: TenantOrigins = Field(
        default=(), description="Web origins of the tenant's own front end, whose pages may read answers."
    )
    limits: TenantLimits = Field(default_factory=TenantLimits)
    created_at: str | None = None

    def may_use(self, agent_id: str) -> bool:
        return agent_id in self.enabled_agents

    def write_mode(self, agent_id: str) -> WriteMode:
        """This agent's write mode if it has its own, else the tenant's."""
        return self.agent_writes.get(agent_id, self.writes)

    def thinking(self, agent_id: str, default: Thinking) -> Thinking:
        """The agent's thinking, with what this tenant chose for it (if anything) on top."""
        override = self.agent_thinking.get(agent_id)
        return override.over(default) if override else default


def _stored(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(STORED_KEY))


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def insecure_url(url: Any) -> str | None:
    """Why an Odoo URL may not carry an API key (plain http to another machine), or None."""
    scheme, host = str(getattr(url, "scheme", "") or ""), getattr(url, "host", None)
    if scheme == "https" or (scheme == "http" and is_loopback(host)):
        return None
    return (
        f"an Odoo URL must use https (plain http only to a loopback host such as 127.0.0.1), not {scheme}://"
        f"{host or ''}: the API key goes with every call"
    )


def unknown_zone(tz: str) -> str | None:
    """Why ``tz`` is not an IANA time zone (``Europe/Paris``), or None.

    Checked against the machine's time zone database when it has one; a machine without one (a
    minimal image) checks the shape only, so a record never becomes unreadable for want of it.
    """
    zones = _zones()
    known = tz in zones if zones else bool(_ZONE_SHAPE.match(tz))
    return None if known else f"{tz!r} is not an IANA time zone (such as Europe/Paris or America/New_York)"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
