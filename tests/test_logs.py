"""No secret, API key or raw argument value reached the logs of this test run.

The audit (``tests/support/log_audit.py``, a plugin loaded by ``tests/conftest.py``) has seen every
log line and every printed metric of every test before this one: it runs last, whatever the order
of collection. The second test proves it can fail: a run of tests that log secrets on purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from local.template import ROOT
from tests.support import leaky_run
from tests.support.log_audit import MARKER, LogAudit

AUDIT_TEST = "tests/test_logs.py::test_no_secret_reached_the_logs_of_this_run"


@pytest.mark.log_audit
def test_no_secret_reached_the_logs_of_this_run(log_audit: LogAudit, request: pytest.FixtureRequest) -> None:
    if not log_audit.tests_run - {request.node.nodeid}:
        pytest.skip("no other test ran: the audit reads the logs of the tests run before it")

    findings = log_audit.findings()

    assert not findings, "secrets in the logs:\n" + "\n".join(map(str, findings))


def run_pytest(*targets: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_audit_fails_a_run_that_logged_secrets_and_names_the_tests() -> None:
    leaky = "tests/support/leaky_run.py"

    failed = run_pytest(leaky, AUDIT_TEST)
    clean = run_pytest(f"{leaky}::test_logs_nothing_secret", AUDIT_TEST)

    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "1 failed, 4 passed" in output
    for test, what in [
        ("test_logs_an_api_key", "an API key"),
        ("test_logs_a_tenant_secret", "a secret of the run (odo… (19 characters))"),
        ("test_prints_a_card_number_in_a_metric_line", "a secret of the run (424… (19 characters))"),
    ]:
        assert f"{leaky}::{test}: logged {what}" in output, output
    assert leaky_run.TENANT_SECRET not in output and leaky_run.CARD not in output  # never echoed
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert MARKER == "log_audit"
