"""What goes out when the anomaly breaker trips: a log line, a CloudWatch metric and an event.

The metric is written as CloudWatch's embedded metric format (Powertools' ``single_metric``, one
line on stdout, which Lambda's log stream turns into the metric); template.yaml's
``AnomalyBreakerAlarm`` watches it. The event goes to the account's default EventBridge bus,
where operators route it (a pager, a chat channel, a ticket).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from botocore.exceptions import BotoCoreError, ClientError

from agent_core.observability import logger

NAMESPACE = "AgentRuntime"
METRIC = "AnomalyBreakerTripped"
EVENT_SOURCE = "agent-runtime"
EVENT_DETAIL_TYPE = "Anomaly breaker tripped"


class EventBus(Protocol):
    """The one call of an EventBridge client this needs."""

    def put_events(self, *, Entries: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Trip:
    """One tenant's hour that ran far above its usual number of tool calls."""

    tenant_id: str
    hour: str  # yyyy-mm-ddThh, UTC
    tool_calls: int
    hourly_average: float  # over the 24 hours before
    threshold: float
    switched_off: bool  # whether the tenant's switch was turned off for it
    at: str


class BreakerAlert:
    def __init__(self, events: Callable[[], EventBus], *, stage: str) -> None:
        self._events = events  # built on first use: most processes never trip
        self.stage = stage

    def send(self, trip: Trip) -> None:
        """Log, count and announce ``trip``; a failure to announce is logged, never raised."""
        detail = asdict(trip) | {"stage": self.stage}
        logger.warning("anomaly breaker tripped", extra={"alert": "anomaly_breaker", **detail})
        with single_metric(
            name=METRIC,
            unit=MetricUnit.Count,
            value=1,
            namespace=NAMESPACE,
            default_dimensions={"service": logger.service},
        ) as metric:
            metric.add_metadata(key="tenant_id", value=trip.tenant_id)
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": EVENT_DETAIL_TYPE,
            "Detail": json.dumps(detail),
            "EventBusName": "default",
        }
        try:
            answer = self._events().put_events(Entries=[entry])
        except (BotoCoreError, ClientError) as exc:
            logger.error(
                "anomaly breaker event not sent", extra={"tenant_id": trip.tenant_id, "error": str(exc)}
            )
            return
        if answer.get("FailedEntryCount"):
            failed = answer.get("Entries", [{}])[0]
            logger.error(
                "anomaly breaker event refused",
                extra={
                    "tenant_id": trip.tenant_id,
                    "error": failed.get("ErrorCode"),
                    "detail": failed.get("ErrorMessage"),
                },
            )
