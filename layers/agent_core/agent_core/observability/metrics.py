"""A turn's CloudWatch metrics, as Embedded Metric Format lines on stdout (Powertools' Metrics).

Lambda sends what a function prints to its log group, and CloudWatch turns each EMF line there into
metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
Under uvicorn there is no handler for ``@log_metrics`` to wrap, so each turn flushes its own lines
when it ends. Each line is an ``EphemeralMetrics`` of its own: Powertools' ``Metrics`` shares one
metric set per process, in which concurrent turns would mix their values and dimensions.

Dimensions are chosen for cost: every distinct combination is a custom metric billed each month.
``service`` and ``agent`` (a handful) for a turn's metrics; ``service`` and ``tool`` (a few dozen)
for a tool's; ``service`` and ``kind`` (eight) for calls and turns a guardrail held back. The tenant is never
a dimension (there are as many as there are customers): it is in the turn's log line, where Logs
Insights can count per tenant.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from agent_core.observability.logs import SERVICE
from agent_core.store.records import RunRecord, ToolCallRecord

NAMESPACE = "AgentRuntime"

# Per turn (dimensions service, agent).
TURNS = "Turns"
TURN_ERRORS = "TurnErrors"  # 1 for a turn that ended failed, else 0: its average is the error rate
TURN_DURATION = "TurnDuration"
TIME_TO_FIRST_TOKEN = "TimeToFirstToken"  # noqa: S105 (a metric's name)
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
CACHE_READ_TOKENS = "CacheReadTokens"
CACHE_WRITE_TOKENS = "CacheWriteTokens"
THINKING_TOKENS = "ThinkingTokens"
# Per tool (dimensions service, tool): every call the model made; the errors and latencies of those
# no guardrail refused (a shadowed write's are its rehearsal's).
TOOL_CALLS = "ToolCalls"
TOOL_ERRORS = "ToolErrors"
TOOL_LATENCY = "ToolLatency"
# Per kind of hold (dimensions service, kind): shadow, or the guardrail that refused the call.
REJECTIONS = "Rejections"


def held_as(call: ToolCallRecord) -> str | None:
    """Why a call did not run live: the refusing guardrail's kind, ``shadow``, or None if it ran."""
    if call.rejected is not None:
        return call.rejected
    return "shadow" if call.mode == "shadow" else None


def publish_turn(final: RunRecord, *, failed: bool, time_to_first_token_ms: int | None) -> None:
    """Print the EMF lines of a turn that has ended: its own, one per tool it used, one per kind of
    call held back."""
    turn = _line(agent=final.agent_id)
    turn.add_metric(name=TURNS, unit=MetricUnit.Count, value=1)
    turn.add_metric(name=TURN_ERRORS, unit=MetricUnit.Count, value=int(failed))
    if final.duration_ms is not None:
        turn.add_metric(name=TURN_DURATION, unit=MetricUnit.Milliseconds, value=final.duration_ms)
    if time_to_first_token_ms is not None:
        turn.add_metric(name=TIME_TO_FIRST_TOKEN, unit=MetricUnit.Milliseconds, value=time_to_first_token_ms)
    usage = final.usage
    for name, tokens in (
        (INPUT_TOKENS, usage.input_tokens),
        (OUTPUT_TOKENS, usage.output_tokens),
        (CACHE_READ_TOKENS, usage.cache_read_input_tokens),
        (CACHE_WRITE_TOKENS, usage.cache_creation_input_tokens),
        (THINKING_TOKENS, usage.thinking_tokens),
    ):
        turn.add_metric(name=name, unit=MetricUnit.Count, value=tokens)
    turn.flush_metrics()
    _publish_calls(final.steps)


def publish_refused_turn(kind: str) -> None:
    """Print the EMF line of a turn refused before it started (``switch``, ``rate_limit`` or
    ``budget``): one more of that kind of hold."""
    line = _line(kind=kind)
    line.add_metric(name=REJECTIONS, unit=MetricUnit.Count, value=1)
    line.flush_metrics()


def _publish_calls(calls: Iterable[ToolCallRecord]) -> None:
    by_tool: defaultdict[str, list[ToolCallRecord]] = defaultdict(list)
    held: Counter[str] = Counter()
    for call in calls:
        by_tool[call.tool].append(call)
        if (kind := held_as(call)) is not None:
            held[kind] += 1
    for tool, made in by_tool.items():
        # A refused call never reached the tool: neither its error nor its latency is the tool's.
        reached = [call for call in made if call.rejected is None]
        line = _line(tool=tool)
        line.add_metric(name=TOOL_CALLS, unit=MetricUnit.Count, value=len(made))
        line.add_metric(name=TOOL_ERRORS, unit=MetricUnit.Count, value=sum(not call.ok for call in reached))
        for call in reached:  # one value per call: CloudWatch keeps their distribution
            line.add_metric(name=TOOL_LATENCY, unit=MetricUnit.Milliseconds, value=call.latency_ms)
        line.flush_metrics()
    for kind, count in held.items():
        line = _line(kind=kind)
        line.add_metric(name=REJECTIONS, unit=MetricUnit.Count, value=count)
        line.flush_metrics()


def _line(**dimensions: str) -> EphemeralMetrics:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    for name, value in dimensions.items():
        metrics.add_dimension(name=name, value=value)
    return metrics
