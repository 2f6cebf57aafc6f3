"""The DynamoDB stores: sessions, runs, audit entries, API keys and tenants, on one table."""

from agent_core.store.api_keys import ApiKeyStore
from agent_core.store.audit import AuditStore
from agent_core.store.memory import SessionMemory, SessionMessage, SessionSummary
from agent_core.store.page import Page
from agent_core.store.records import (
    ApiKeyRecord,
    AuditEntry,
    RunError,
    RunRecord,
    SessionMeta,
    ToolCallRecord,
)
from agent_core.store.run_filter import RunFilter
from agent_core.store.runs import RunStore
from agent_core.store.sessions import SessionHistory, SessionStore
from agent_core.store.table import Table
from agent_core.store.tenants import TenantStore

__all__ = [
    "ApiKeyRecord",
    "ApiKeyStore",
    "AuditEntry",
    "AuditStore",
    "Page",
    "RunError",
    "RunFilter",
    "RunRecord",
    "RunStore",
    "SessionHistory",
    "SessionMemory",
    "SessionMessage",
    "SessionMeta",
    "SessionStore",
    "SessionSummary",
    "Table",
    "TenantStore",
    "ToolCallRecord",
]
