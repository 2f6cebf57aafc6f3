"""Where ``agentctl`` writes: results on stdout (text or JSON), warnings and errors on stderr."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO


class Console:
    """One command's output: human-readable text by default, JSON with ``--json``."""

    def __init__(self, *, out: TextIO, err: TextIO, as_json: bool = False) -> None:
        self.out = out
        self.err = err
        self.as_json = as_json

    def result(self, data: object, text: str) -> None:
        """The command's answer: ``data`` as JSON for machines, else ``text`` for people."""
        if self.as_json:
            self.out.write(json.dumps(data, indent=2) + "\n")
        else:
            self.out.write(text.rstrip("\n") + "\n")

    def warn(self, message: str) -> None:
        self.err.write(f"warning: {message}\n")

    def error(self, message: str) -> None:
        self.err.write(f"agentctl: error: {message}\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns under a header line."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [headers, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def fields(pairs: Sequence[tuple[str, str]]) -> str:
    """``name  value`` lines, the names aligned."""
    width = max((len(name) for name, _ in pairs), default=0)
    return "\n".join(f"{name.ljust(width)}  {value}".rstrip() for name, value in pairs)
