"""The bytes of an export's files: deterministic, so a re-run writes exactly what the last one did."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from typing import Any

# Bumped when a line's or the manifest's shape changes; the manifest names it.
FORMAT_VERSION = 1


def json_line(entry: Mapping[str, Any]) -> bytes:
    """One entry as one line: keys sorted, no spaces, UTF-8, ending in a newline."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def encode_part(entries: Iterable[Mapping[str, Any]]) -> bytes:
    """Entries as gzip'd JSON lines. The gzip header holds no file name and a zero mtime, so the
    same entries always give the same bytes (and the same SHA-256 and ETag)."""
    return gzip.compress(b"".join(json_line(entry) for entry in entries), compresslevel=6, mtime=0)


def encode_manifest(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, indent=2).encode() + b"\n"
