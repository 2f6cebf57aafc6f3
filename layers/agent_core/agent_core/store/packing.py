"""Large JSON attributes, stored compressed.

A turn's messages and a run's record are written on every turn, and DynamoDB bills writes per
started kilobyte (twice inside a transaction): zlib shrinks this JSON about three times, which
keeps a typical turn's items under a kilobyte each (the DynamoDB developer guide recommends
compressing large attribute values). Values stored before this was done are plain JSON strings,
and still read.
"""

from __future__ import annotations

import zlib

LEVEL = 6


def pack(text: str) -> bytes:
    return zlib.compress(text.encode(), LEVEL)


def unpack(value: str | bytes | bytearray) -> str:
    return value if isinstance(value, str) else zlib.decompress(bytes(value)).decode()
