"""Every DynamoDB key (and the audit export's S3 keys), built and validated here and nowhere else.

Tenant isolation lives in this key schema: every partition key that holds tenant data, on the
table and on GSI1, starts with ``TENANT#<tenant_id>``, and every id that enters a key is checked
against a strict shape, so no id can smuggle a ``#`` and step into another tenant's partition.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from agent_core.errors import InvalidId

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
KEY_HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
HOUR_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}")

TENANT_SK = "TENANT"
SESSION_META_SK = "META"
MESSAGE_PREFIX = "MSG#"
RUN_SK = "RUN"
RUN_EVENTS_PREFIX = "EVT#"
CONFIRMATION_PREFIX = "CONFIRM#"
API_KEY_SK = "KEY"
TENANTS_GSI_PK = "TENANTS"
PLATFORM_PK = "PLATFORM"  # the platform's own items (the global switch): no tenant's data
SWITCHES_SK = "SWITCHES"
SWITCH_LOG_PREFIX = "SWITCHLOG#"
COUNTER_SK = "COUNTER"
IDEMPOTENCY_SK = "IDEMPOTENCY"


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def checked_id(value: str, kind: str = "id") -> str:
    """Return ``value`` if it may enter a key: 1-64 of ``A-Z a-z 0-9 _ . -``, not starting with a symbol."""
    if not is_valid_id(value):
        raise InvalidId(f"{kind} must be 1-64 characters of letters, digits, '_', '.' or '-'")
    return value


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{checked_id(tenant_id, 'tenant_id')}"


def tenant_prefix(tenant_id: str) -> str:
    """The prefix every partition of this tenant's data starts with (a leading-keys condition)."""
    return f"{tenant_pk(tenant_id)}#"


def belongs_to(tenant_id: str, partition_key: str) -> bool:
    """Whether a partition key (from a cursor, say) is one of this tenant's."""
    return partition_key == tenant_pk(tenant_id) or partition_key.startswith(tenant_prefix(tenant_id))


def session_pk(tenant_id: str, session_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#SESSION#{checked_id(session_id, 'session_id')}"


def message_sk(turn: int, index: int) -> str:
    if not (0 <= turn < 1_000_000 and 0 <= index < 1000):
        raise InvalidId("message position out of range")
    return f"{MESSAGE_PREFIX}{turn:06d}#{index:03d}"


def message_position(sort_key: str) -> tuple[int, int]:
    """The (turn, index) of a message sort key built by :func:`message_sk`."""
    _, turn, index = sort_key.split("#")
    return int(turn), int(index)


def confirmation_sk(call_id: str) -> str:
    """A write waiting for confirmation, in its session's partition."""
    return f"{CONFIRMATION_PREFIX}{checked_id(call_id, 'call_id')}"


def run_pk(tenant_id: str, run_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#RUN#{checked_id(run_id, 'run_id')}"


def run_events_sk(last_seq: int) -> str:
    """A chunk of a run's stream events, in the run's partition, named by the last event's number
    (so the chunks holding the events after ``n`` are those whose key sorts after ``n``'s)."""
    if not 0 <= last_seq < 10_000_000:
        raise InvalidId("event number out of range")
    return f"{RUN_EVENTS_PREFIX}{last_seq:07d}"


def runs_gsi_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#RUNS"


def runs_gsi_sk(created_at: str, run_id: str) -> str:
    return f"{created_at}#{checked_id(run_id, 'run_id')}"


def audit_pk(tenant_id: str, day: str) -> str:
    if DAY_PATTERN.fullmatch(day) is None:
        raise InvalidId("audit day must look like yyyy-mm-dd")
    return f"{tenant_pk(tenant_id)}#AUDIT#{day}"


def audit_sk(created_at: str, call_id: str) -> str:
    return f"{created_at}#{checked_id(call_id, 'call_id')}"


def agent_audit_gsi_pk(tenant_id: str, agent_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#AGENT#{checked_id(agent_id, 'agent_id')}#AUDIT"


# The audit export's S3 object keys (agent_core.audit_export): the same checked tenant id and day as
# the table's audit partition, so no id can step out of its tenant's folder ("/" is never in an id).
AUDIT_EXPORT_PREFIX = "audit/"
AUDIT_MANIFEST_PREFIX = "audit-manifests/"


def audit_export_folder(tenant_id: str, day: str) -> str:
    """``audit/tenant=<t>/date=<yyyy-mm-dd>/``: a tenant's exported day, as Athena's partitions read it."""
    return f"{AUDIT_EXPORT_PREFIX}{_export_partition(tenant_id, day)}"


def audit_export_part(tenant_id: str, day: str, part: int) -> str:
    """One part of a tenant's exported day: gzip'd JSON lines, numbered from 0."""
    if not 0 <= part < 100_000:
        raise InvalidId("an export part number is 0 to 99999")
    return f"{audit_export_folder(tenant_id, day)}part-{part:05d}.jsonl.gz"


def audit_export_manifest(tenant_id: str, day: str) -> str:
    """The manifest of a tenant's exported day, outside ``audit/`` (Athena reads every file there)."""
    return f"{AUDIT_MANIFEST_PREFIX}{_export_partition(tenant_id, day)}manifest.json"


def _export_partition(tenant_id: str, day: str) -> str:
    if DAY_PATTERN.fullmatch(day) is None:
        raise InvalidId("an export day must look like yyyy-mm-dd")
    return f"tenant={checked_id(tenant_id, 'tenant_id')}/date={day}/"


def api_key_pk(key_hash: str) -> str:
    if KEY_HASH_PATTERN.fullmatch(key_hash) is None:
        raise InvalidId("an API key hash is 64 lowercase hex digits")
    return f"KEY#{key_hash}"


def tenant_keys_gsi_pk(tenant_id: str) -> str:
    return f"{tenant_pk(tenant_id)}#KEYS"


def idempotency_pk(tenant_id: str, caller_id: str, end_user_id: str | None, key: str) -> str:
    """A caller's ``Idempotency-Key``: the key is the client's own text, so it enters only hashed,
    with its owner (one caller's key, or one end user's, never answers another's request). A key
    sent for no end user hashes as it did before end users existed."""
    owner = checked_id(caller_id, "caller_id")
    if end_user_id is not None:
        owner += f"#{checked_id(end_user_id, 'end_user_id')}"  # no id holds a '#': no overlap
    digest = hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()
    return f"{tenant_pk(tenant_id)}#IDEMPOTENCY#{digest}"


def owner_sessions_gsi_pk(tenant_id: str, caller_id: str, end_user_id: str | None) -> str:
    """Where an owner's sessions are listed (GSI1): the caller's own, or one end user's of it. A
    caller id is the operator's free text, so the owner enters hashed, unambiguously."""
    if end_user_id is not None:
        checked_id(end_user_id, "end_user_id")
    owner = json.dumps([caller_id, end_user_id], separators=(",", ":"))
    return f"{tenant_pk(tenant_id)}#OWNER#{hashlib.sha256(owner.encode()).hexdigest()}#SESSIONS"


def owner_sessions_gsi_sk(updated_at: str, session_id: str) -> str:
    """A session in its owner's listing, by its last activity."""
    return f"{updated_at}#{checked_id(session_id, 'session_id')}"


def switches_pk(tenant_id: str | None) -> str:
    """Where the switches of a tenant live (its own partition), or with ``None`` the platform's."""
    return PLATFORM_PK if tenant_id is None else tenant_pk(tenant_id)


def switch_log_sk(at: str, flip_id: str) -> str:
    """One flip in the switch log, sorted by time."""
    return f"{SWITCH_LOG_PREFIX}{at}#{checked_id(flip_id, 'flip_id')}"


def tool_calls_pk(tenant_id: str) -> str:
    """The tenant's tool calls counted per hour (the anomaly breaker's buckets)."""
    return f"{tenant_pk(tenant_id)}#TOOLCALLS"


def hour_sk(hour: str) -> str:
    """One hour's bucket, ``yyyy-mm-ddThh`` (UTC): sorts, and a range of them is one Query."""
    if HOUR_PATTERN.fullmatch(hour) is None:
        raise InvalidId("an hour must look like yyyy-mm-ddThh")
    return hour


# Usage counters (agent_core.limits): one item per tenant and window, each its own partition, so a
# busy counter does not share its partition's throughput with another. The window is a UTC time.


def tool_rate_pk(tenant_id: str, tool: str, second: datetime) -> str:
    """Calls of ``tool`` by the tenant in one second."""
    return f"{tenant_pk(tenant_id)}#CALLS#{checked_id(tool, 'tool')}#{_utc(second, '%Y-%m-%dT%H:%M:%S')}"


def turns_pk(tenant_id: str, minute: datetime) -> str:
    """Turns the tenant started in one minute."""
    return f"{tenant_pk(tenant_id)}#TURNS#{_utc(minute, '%Y-%m-%dT%H:%M')}"


def spend_pk(tenant_id: str, day: datetime) -> str:
    """What the tenant's model requests cost in one day, and their tokens."""
    return f"{tenant_pk(tenant_id)}#SPEND#{_utc(day, '%Y-%m-%d')}"


def _utc(moment: datetime, form: str) -> str:
    if moment.tzinfo is None:
        raise InvalidId("a counter's window must be an aware datetime")
    return moment.astimezone(UTC).strftime(form)
