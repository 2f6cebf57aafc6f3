"""CloudWatch embedded-metric-format documents, as a function prints them to stdout."""

from __future__ import annotations

import json
from typing import Any


def emf_metrics(printed: str, *, metric: str | None = None) -> list[dict[str, Any]]:
    """The embedded-metric-format documents among lines printed to stdout (those that hold
    ``metric``, if named)."""
    documents = []
    for line in printed.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            if metric is None or metric in document:
                documents.append(document)
    return documents
