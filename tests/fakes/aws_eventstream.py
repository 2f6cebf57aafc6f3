"""The AWS event-stream binary framing (``application/vnd.amazon.eventstream``), encoder side.

Each message: a 12-byte prelude (total length, headers length, CRC32 of those 8 bytes), the headers
(name length, name, value type 7 = string, value length, value), the payload, and a CRC32 of everything
before it. botocore ships only the decoder (``botocore.eventstream``); the tests check this encoder
against it. Format: https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

_STRING = 7


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    encoded_headers = b"".join(_header(name, value) for name, value in headers.items())
    total = 12 + len(encoded_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + encoded_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def chunk_event(event: dict[str, Any]) -> bytes:
    """One Messages API streaming event as Bedrock's ``chunk``: ``{"bytes": base64(json(event))}``."""
    payload = json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode()}).encode()
    return encode_message(
        {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}, payload
    )


def exception_event(exception_type: str, message: str) -> bytes:
    """A mid-stream error as Bedrock sends it: ``:message-type: exception``, ``{"message": ...}``."""
    return encode_message(
        {
            ":exception-type": exception_type,
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        json.dumps({"message": message}).encode(),
    )


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    )
