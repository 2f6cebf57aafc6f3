"""Read Server-Sent Events the way a browser's EventSource would."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Frame:
    event: str
    id: str | None
    data: dict[str, Any]


def frames(lines: Iterable[str]) -> Iterator[Frame]:
    """Frames from text lines; comment lines (keep-alives) are skipped."""
    event, ident, data = "message", None, list[str]()
    for line in lines:
        if line == "":
            if data:
                yield Frame(event, ident, json.loads("\n".join(data)))
            event, ident, data = "message", None, []
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "id":
                ident = value
            elif name == "data":
                data.append(value)
    if data:
        yield Frame(event, ident, json.loads("\n".join(data)))


def parse(body: str) -> list[Frame]:
    return list(frames(body.splitlines()))
