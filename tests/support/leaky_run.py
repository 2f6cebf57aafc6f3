"""Tests that log secrets on purpose, to prove that the log audit catches them.

Never part of the suite (the name does not match ``test_*.py``): ``tests/test_logs.py`` runs these
in a pytest run of their own, together with the audit test, and expects that run to fail.
"""

from __future__ import annotations

import json

from agent_core import issue_api_key
from agent_core.observability import logger
from tests.conftest import RuntimeFactory
from tests.support.log_audit import remember_secret

TENANT_SECRET = "odoo-key-that-leaks"
CARD = "4242 4242 4242 4242"


def test_logs_an_api_key(make_runtime: RuntimeFactory) -> None:
    key, _ = issue_api_key(make_runtime().api_keys, "acme", caller_id="acme-user")
    logger.info("issued", extra={"key": key})


def test_logs_a_tenant_secret(make_runtime: RuntimeFactory) -> None:
    make_runtime().secrets.put_tenant_secret("acme", {"odoo_api_key": TENANT_SECRET})
    logger.warning("odoo refused the key", extra={"detail": f"key {TENANT_SECRET} refused"})


def test_prints_a_card_number_in_a_metric_line() -> None:
    remember_secret(CARD)
    print(json.dumps({"_aws": {"CloudWatchMetrics": []}, "note": f"paid with {CARD}"}))


def test_logs_nothing_secret(make_runtime: RuntimeFactory) -> None:
    make_runtime().secrets.put_tenant_secret("acme", {"odoo_api_key": TENANT_SECRET})
    logger.info("all is well", extra={"tenant_id": "acme"})
