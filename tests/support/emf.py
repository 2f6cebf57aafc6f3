"""CloudWatch embedded-metric-format documents, as a function prints them to stdout."""

from __future__ import annotations

import json
from typing import Any


def emf_metrics(printed: str) -> list[dict[str, Any]]:
    """The embedded-metric-format documents among lines printed to stdout."""
    documents = []
    for line in printed.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents
