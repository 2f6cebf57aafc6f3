"""Structured logging (Powertools' logger), one instance per process."""

from aws_lambda_powertools import Logger

logger = Logger(service="agent-runtime")
