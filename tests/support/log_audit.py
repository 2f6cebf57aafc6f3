"""A pytest plugin: every log line of the whole test run, and the secrets the run handled, so that
one test, run last, can assert that no secret, API key or raw argument value was ever logged.

What it reads, from the moment the plugin is configured (before any test is collected):

- every log record of every logger (a handler on the root logger, which the runtime's Powertools
  logger propagates to), formatted by the runtime's own formatter when it comes from the runtime,
  so that the keys of the request that wrote it are there too;
- every EMF metric line (JSON with ``_aws``) a test printed to stdout or stderr, from the output
  pytest captured for each test: the runtime prints its metrics rather than logging them.

The secrets it looks for: anything shaped like an API key of this runtime or an Anthropic key;
every value a test stored in a tenant's secret (read from moto's Secrets Manager as each test
ends, before its fixtures are torn down); and whatever a test names with :func:`remember_secret` (a
raw argument value such as a card number). The audit test fails naming the test that logged each
one, never the secret itself.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent_core.auth import KEY_PATTERN
from agent_core.observability import logger as runtime_logger
from agent_core.redaction import SENSITIVE_NAME

MARKER = "log_audit"
SECRET_SHAPES = {
    "an API key": KEY_PATTERN,
    "an Anthropic key": re.compile(r"sk-ant-[A-Za-z0-9_-]{8,}"),
}
# Shorter values are words any log line may hold ("one", "tok-1"): not evidence of a leak.
MIN_SECRET_CHARS = 8


@dataclass(frozen=True)
class Line:
    test: str
    text: str


@dataclass(frozen=True)
class Finding:
    test: str
    what: str

    def __str__(self) -> str:
        return f"{self.test}: logged {self.what}"


@dataclass
class LogAudit:
    """The lines seen so far, the secrets known so far, and the test running now."""

    lines: list[Line] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    current_test: str = "(collection)"
    tests_run: set[str] = field(default_factory=set)

    def saw(self, text: str, test: str | None = None) -> None:
        self.lines.append(Line(test or self.current_test, text))

    def findings(self) -> list[Finding]:
        """Each secret (by kind, or masked) logged, and the test that logged it; once each."""
        found: dict[Finding, None] = {}
        for line in self.lines:
            for what, shape in SECRET_SHAPES.items():
                if shape.search(line.text):
                    found[Finding(line.test, what)] = None
            for secret in self.secrets:
                if secret in line.text:
                    found[Finding(line.test, f"a secret of the run ({_masked(secret)})")] = None
        return list(found)


AUDIT = LogAudit()


def remember_secret(value: str) -> str:
    """Name ``value`` as one that must never reach a log line (returns it, for inline use)."""
    if len(value) >= MIN_SECRET_CHARS:
        AUDIT.secrets.add(value)
    return value


def remember_stored_secrets() -> None:
    """Every value stored in moto's Secrets Manager so far: whole for a plain string, the fields of
    a JSON secret whose names say they are secret (as the audit trail's redaction decides)."""
    from moto.secretsmanager.models import secretsmanager_backends

    for regions in secretsmanager_backends.values():
        for backend in regions.values():
            for secret in backend.secrets.values():
                for version in secret.versions.values():
                    _remember_secret_string(version.get("secret_string"))


def _remember_secret_string(text: Any) -> None:
    if not isinstance(text, str):
        return
    try:
        document = json.loads(text)
    except ValueError:
        document = text
    if isinstance(document, dict):
        for name, value in document.items():
            if isinstance(value, str) and SENSITIVE_NAME.search(name):
                remember_secret(value)
    elif isinstance(document, str):
        remember_secret(document)


class _EveryRecord(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == runtime_logger.name or record.name.startswith(runtime_logger.name + "."):
            AUDIT.saw(runtime_logger.registered_formatter.format(record))
            return
        # Another library's record: its message, its exception and every attribute it carries.
        AUDIT.saw(f"{record.getMessage()} {record.exc_text or ''} {record.__dict__!r}")


def _printed_metric_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            yield line


def _masked(secret: str) -> str:
    return f"{secret[:3]}… ({len(secret)} characters)"


_HANDLER = _EveryRecord()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: the audit of the run's logs (runs after every other test)")
    logging.getLogger().addHandler(_HANDLER)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_HANDLER)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    audits = [item for item in items if item.get_closest_marker(MARKER)]
    items[:] = [item for item in items if not item.get_closest_marker(MARKER)] + audits


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Any:
    remember_stored_secrets()  # while the test's moto is still there
    return (yield)


def pytest_runtest_logstart(nodeid: str) -> None:
    AUDIT.current_test = nodeid
    AUDIT.tests_run.add(nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        if "stdout" in title or "stderr" in title:
            for line in _printed_metric_lines(content):
                AUDIT.saw(line, report.nodeid)


@pytest.fixture
def log_audit() -> LogAudit:
    """The audit of the run so far (for the test marked ``log_audit``)."""
    return AUDIT
