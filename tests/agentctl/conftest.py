"""What every agentctl test drives: the console script's ``main`` in this process, and its result."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from agentctl import main


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def data(self) -> Any:
        return json.loads(self.out)


Agentctl = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """``agentctl ARGS`` in this process; nothing of a run's output leaks into the next."""

    def invoke(*argv: str, **kwargs: Any) -> Result:
        capsys.readouterr()
        code = main(list(argv), **kwargs)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def ctl(run: Agentctl, table: str) -> Agentctl:
    """``agentctl ARGS --table <the test table>``."""
    return lambda *argv, **kwargs: run(*argv, "--table", table, **kwargs)


def one_error_line(result: Result, code: int) -> str:
    """An expected failure: the exit code, nothing on stdout, one line on stderr, no traceback."""
    assert result.code == code, result
    assert result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert result.err.startswith("agentctl: error: ")
    return result.err
