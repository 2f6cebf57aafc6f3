"""AWS clients, every one built with the same configuration: the functions' and ``agentctl``'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

# A call gives up within API Gateway's 29 s on the buffered routes: 3 attempts of at most 2 s to
# connect and 5 s to read (DynamoDB, Secrets Manager and STS answer in milliseconds), with
# standard-mode backoff (under 3 s in all) between them: about 24 s at worst.
CONNECT_SECONDS, READ_SECONDS, ATTEMPTS = 2, 5, 3
# The longest one call can take before it gives up: each attempt's connect and read timeouts, and
# before retry i standard mode's backoff, at most min(2**i, 20) s, which a server's
# x-amz-retry-after header may stretch by up to 5 s more (botocore/retries/standard.py,
# ExponentialBackoff.delay_amount): 3 × 7 s + (1 + 5) s + (2 + 5) s = 34 s.
RETRY_AFTER_EXTRA_SECONDS = 5
WORST_CASE_SECONDS = ATTEMPTS * (CONNECT_SECONDS + READ_SECONDS) + sum(
    min(2**i, 20) + RETRY_AFTER_EXTRA_SECONDS for i in range(ATTEMPTS - 1)
)
CONFIG = Config(
    connect_timeout=CONNECT_SECONDS,
    read_timeout=READ_SECONDS,
    # total_max_attempts counts the first try; botocore's max_attempts would count retries only.
    retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
    tcp_keepalive=True,
)


@dataclass(frozen=True)
class StaticCredentials:
    """Credentials given outright instead of boto3's chain (a local endpoint that takes any)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class AwsClients:
    """Where clients go: a region and, when given, an endpoint and credentials of their own.

    Without an endpoint boto3 reads ``AWS_ENDPOINT_URL`` (and its per-service variants) as usual;
    without credentials it uses its own chain (environment, profile, role).
    """

    region: str
    endpoint_url: str | None = None
    credentials: StaticCredentials | None = None

    def client(self, service: str) -> Any:
        """A new boto3 client for ``service``, with :data:`CONFIG`."""
        given = (
            {
                "aws_access_key_id": self.credentials.access_key_id,
                "aws_secret_access_key": self.credentials.secret_access_key,
            }
            if self.credentials
            else {}
        )
        return boto3.client(  # type: ignore[call-overload]
            service, region_name=self.region, endpoint_url=self.endpoint_url, config=CONFIG, **given
        )
