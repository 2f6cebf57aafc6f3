"""What reached the default EventBridge bus (moto), as an operator's rule would route it: to a queue."""

from __future__ import annotations

import json
from typing import Any

import boto3


class DefaultBus:
    """A rule on the default bus that sends every event of ``source`` to an SQS queue, read back."""

    def __init__(self, source: str) -> None:
        self._sqs = boto3.client("sqs", region_name="us-east-1")
        self._queue = self._sqs.create_queue(QueueName="operator-alerts")["QueueUrl"]
        arn = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events = boto3.client("events", region_name="us-east-1")
        events.put_rule(Name="operator-alerts", EventPattern=json.dumps({"source": [source]}))
        events.put_targets(Rule="operator-alerts", Targets=[{"Id": "queue", "Arn": arn}])

    def received(self) -> list[dict[str, Any]]:
        """Every event routed so far (each once), oldest first."""
        events: list[dict[str, Any]] = []
        while messages := self._sqs.receive_message(QueueUrl=self._queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                events.append(json.loads(message["Body"]))
                self._sqs.delete_message(QueueUrl=self._queue, ReceiptHandle=message["ReceiptHandle"])
        return events
