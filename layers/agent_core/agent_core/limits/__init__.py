"""Rate limits and budgets per tenant, enforced across every instance through counters in the
table, decided on this process's cached view of them (see :mod:`agent_core.limits.cache`)."""

from agent_core.limits.usage_limits import UsageLimits

__all__ = ["UsageLimits"]
