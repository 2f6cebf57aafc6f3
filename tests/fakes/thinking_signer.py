"""Signatures for fake thinking blocks: bound to the model, the thinking text and the conversation.

A real signature is opaque and encrypted; what matters to a client is what it is bound to. Per
https://platform.claude.com/docs/en/build-with-claude/preserved-thinking#prefix-check a block is bound to
the model that produced it, to its prefix (top-level ``system``, the set of ``tools`` and every earlier
message; earlier thinking blocks are not part of it) and to the thinking block that came before it.
"JSON formatting and key order don't matter; the values do", and ``cache_control`` markers are not part of
the check (same page, "What counts as an edit"). A signer seals these facts with an HMAC under a secret of
its own, so a block minted by one fake (or one test's signer) verifies nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from tests.fakes.model_profiles import profile_for

THINKING_BLOCK_TYPES = ("thinking", "redacted_thinking")
BlockKind = Literal["thinking", "redacted_thinking"]


@dataclass(frozen=True)
class Prefix:
    """Digests of what came before a block, kept apart so a refusal can name what changed."""

    system: str
    tools: str
    messages: str


@dataclass(frozen=True)
class Seal:
    """What a signature (or redacted ``data``) is bound to."""

    kind: BlockKind
    model: str
    text: str  # sha256 of the full thinking text
    shown: bool  # False when display was "omitted": the block's `thinking` field is then ignored
    prefix: Prefix | None  # None when the producing model does not bind blocks to their prefix
    previous: str | None  # id of the thinking block before this one, across turns
    nonce: str


def blocks_of(content: Any) -> list[dict[str, Any]]:
    """A message's content as blocks: a string is shorthand for one text block (Messages API reference)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [block for block in content or [] if isinstance(block, dict)]


def block_id(block: dict[str, Any]) -> str:
    """A thinking block's identity: a digest of its signature (or redacted data)."""
    value = str(block.get("signature") if block.get("type") == "thinking" else block.get("data"))
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def prefix_of(
    body: dict[str, Any], earlier: Sequence[dict[str, Any]], role: str, before: Sequence[dict[str, Any]]
) -> Prefix:
    """The prefix of a block: ``system``, ``tools``, the ``earlier`` messages and the blocks ``before``
    it in its own message, thinking blocks left out."""
    tools = sorted((_canonical(tool) for tool in body.get("tools") or []), key=lambda t: str(t.get("name")))
    messages = [{"role": m.get("role"), "content": _visible(blocks_of(m.get("content")))} for m in earlier]
    messages.append({"role": role, "content": _visible(before)})
    system = body.get("system")
    return Prefix(
        system=_digest(None if system is None else _canonical(blocks_of(system))),
        tools=_digest(tools),
        messages=_digest(messages),
    )


class Signer:
    """Mints and verifies fake thinking signatures under a secret of its own.

    A scripted model in a test mints the blocks its reply starts with, exactly as the fake API does::

        block = signer.thinking_block(request_body, text="Look the order up first.")
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def thinking_block(
        self,
        body: dict[str, Any],
        message_prefix: Sequence[dict[str, Any]] = (),
        text: str = "",
        *,
        display: str | None = None,
    ) -> dict[str, Any]:
        """A ``thinking`` block answering ``body``; ``message_prefix`` holds the blocks the reply already
        has before this one. ``display`` defaults to the request's, else the model's default."""
        shown = self._display(body, display) == "summarized"
        seal = replace(self._seal("thinking", body, message_prefix, text), shown=shown)
        return {"type": "thinking", "thinking": text if shown else "", "signature": self._encode(seal)}

    def redacted_block(
        self, body: dict[str, Any], message_prefix: Sequence[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        """A ``redacted_thinking`` block answering ``body``: its ``data`` is sealed like a signature."""
        seal = self._seal("redacted_thinking", body, message_prefix, secrets.token_hex(16))
        return {"type": "redacted_thinking", "data": self._encode(seal)}

    def unseal(self, block: dict[str, Any]) -> Seal | None:
        """The seal of a thinking or redacted block, or None when its signature was forged or altered."""
        kind = block.get("type")
        value = block.get("signature") if kind == "thinking" else block.get("data")
        if not isinstance(value, str) or value.count(".") != 2:
            return None
        tag, payload, mac = value.split(".")
        if tag != "fake1" or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            prefix = Prefix(**fields.pop("prefix")) if fields.get("prefix") else None
            seal = Seal(**fields, prefix=prefix)
        except (ValueError, TypeError):
            return None
        return seal if seal.kind == kind else None

    @staticmethod
    def text_digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def _seal(
        self, kind: BlockKind, body: dict[str, Any], message_prefix: Sequence[dict[str, Any]], text: str
    ) -> Seal:
        profile = profile_for(str(body.get("model")))
        if profile is None:
            raise ValueError(f"no fake profile for model {body.get('model')!r}")
        messages = list(body.get("messages") or [])
        prefix = (
            prefix_of(body, messages, "assistant", message_prefix) if profile.preserved_thinking else None
        )
        return Seal(
            kind=kind,
            model=profile.id,
            text=self.text_digest(text),
            shown=True,
            prefix=prefix,
            previous=_last_thinking_id([*messages, {"role": "assistant", "content": list(message_prefix)}]),
            nonce=secrets.token_hex(8),
        )

    def _display(self, body: dict[str, Any], display: str | None) -> str:
        if display is not None:
            return display
        config = body.get("thinking") or {}
        if config.get("display"):
            return str(config["display"])
        profile = profile_for(str(body.get("model")))
        return profile.default_display if profile else "summarized"

    def _encode(self, seal: Seal) -> str:
        raw = json.dumps(asdict(seal), sort_keys=True, separators=(",", ":")).encode()
        payload = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"fake1.{payload}.{self._mac(payload)}"

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _last_thinking_id(messages: Sequence[dict[str, Any]]) -> str | None:
    last: str | None = None
    for message in messages:
        for block in blocks_of(message.get("content")):
            if block.get("type") in THINKING_BLOCK_TYPES:
                last = block_id(block)
    return last


def _visible(blocks: Sequence[dict[str, Any]]) -> list[Any]:
    return [_canonical(block) for block in blocks if block.get("type") not in THINKING_BLOCK_TYPES]


def _canonical(value: Any) -> Any:
    """Values only: no ``cache_control`` markers, no null fields (an SDK may echo ``citations: null``)."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if k != "cache_control" and v is not None}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()
