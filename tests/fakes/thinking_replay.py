"""Thinking blocks sent back in a request: verified, read by the right model, on an unchanged prefix.

Rules: https://platform.claude.com/docs/en/build-with-claude/preserved-thinking (model check, prefix check,
chain of blocks, ``drop_block``, ``input_transformations``),
https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/prefix-checks,
https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/fix-bound-to-a-different-conversation
and https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting (the 400 messages).

The fake behaves as an account created after 2026-08-31: the prefix check is enforced by default.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tests.fakes.model_profiles import PROFILES, ModelProfile
from tests.fakes.refusal import invalid
from tests.fakes.thinking_config import BINDING_BETA, ThinkingPlan
from tests.fakes.thinking_signer import THINKING_BLOCK_TYPES, Seal, Signer, block_id, blocks_of, prefix_of

_MODIFIED = (
    "`thinking` or `redacted_thinking` blocks in the latest assistant message cannot be modified. "
    "These blocks must remain as they were in the original response."
)


@dataclass(frozen=True)
class SentBlock:
    message: int
    index: int
    block: dict[str, Any]
    seal: Seal

    @property
    def path(self) -> str:
        return f"messages.{self.message}.content.{self.index}"


def check_replayed_thinking(
    body: dict[str, Any], signer: Signer, profile: ModelProfile, plan: ThinkingPlan, betas: Collection[str]
) -> list[dict[str, str]]:
    """Refuse forged or edited blocks and prefix mismatches; return the ``input_transformations``."""
    sent = _verified_blocks(body, signer)
    report: list[dict[str, str]] = []
    readable: list[SentBlock] = []
    for item in sent:
        if profile.can_read_block_of(PROFILES[item.seal.model]):
            readable.append(item)
        else:  # "the API drops it from that request without an error"
            report.append(_entry("thinking_dropped", item, "model_binding_mismatch"))
    if not profile.preserved_thinking:
        return report
    failing = [(item, reason) for item, reason in _prefix_failures(body, sent) if item in readable]
    if not failing:
        return report
    if profile.prefix_outcome == "allow":
        report += [
            _entry("thinking_mismatch_allowed", item, "prefix_binding_mismatch") for item, _ in failing
        ]
    elif plan.mismatch_behavior == "drop_block":
        report += _drops(sent, [item for item, _ in failing])
    else:
        first, reason = failing[0]
        raise invalid(_bound_elsewhere(first, reason, BINDING_BETA in betas))
    return sorted(report, key=lambda entry: _order(entry["path"]))


def _verified_blocks(body: dict[str, Any], signer: Signer) -> list[SentBlock]:
    messages = body.get("messages") or []
    latest_assistant = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    sent: list[SentBlock] = []
    for i, message in enumerate(messages):
        for j, block in enumerate(blocks_of(message.get("content"))):
            kind = block.get("type")
            if kind not in THINKING_BLOCK_TYPES:
                continue
            seal = signer.unseal(block)
            if seal is None:
                # A tampered, truncated or empty signature: always a 400, drop_block does not apply.
                field = "`signature` in `thinking`" if kind == "thinking" else "`data` in `redacted_thinking`"
                raise invalid(f"messages.{i}.content.{j}: Invalid {field} block")
            if (
                kind == "thinking"
                and seal.shown
                and Signer.text_digest(str(block.get("thinking"))) != seal.text
            ):
                # Edited text. Documented for the latest assistant message; elsewhere the fake treats the
                # signature as not matching its block.
                if i == latest_assistant:
                    raise invalid(f"messages.{i}.content.{j}: {_MODIFIED}")
                raise invalid(f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block")
            sent.append(SentBlock(i, j, block, seal))
    return sent


def _prefix_failures(body: dict[str, Any], sent: list[SentBlock]) -> list[tuple[SentBlock, str]]:
    """Blocks whose prefix changed, that carry no prefix, or that break the chain of blocks."""
    messages = body.get("messages") or []
    failures: list[tuple[SentBlock, str]] = []
    for position, item in enumerate(sent):
        recorded = item.seal.prefix
        message = messages[item.message]
        now = prefix_of(
            body,
            messages[: item.message],
            str(message.get("role")),
            blocks_of(message.get("content"))[: item.index],
        )
        if recorded is None:
            failures.append((item, "The block carries no record of the conversation it was created in."))
        elif recorded.system != now.system:
            failures.append((item, "The `system` prompt differs from when the block was created."))
        elif recorded.tools != now.tools:
            failures.append((item, "The `tools` list differs from when the block was created."))
        elif recorded.messages != now.messages:
            failures.append((item, "A message before the block differs from when the block was created."))
        elif position > 0 and item.seal.previous != block_id(sent[position - 1].block):
            # The blocks kept must be an unbroken run of the original sequence: removing blocks from
            # the start or the end is fine, a gap or a block put back is not.
            failures.append((item, "An earlier thinking block is missing or out of order."))
    return failures


def _drops(sent: list[SentBlock], failing: list[SentBlock]) -> list[dict[str, str]]:
    """drop_block drops each failing block and the rest of that turn's thinking blocks."""
    dropped: dict[str, SentBlock] = {}
    for bad in failing:
        for item in sent:
            if item.message == bad.message and item.index >= bad.index:
                dropped[item.path] = item
    return [_entry("thinking_dropped", item, "prefix_binding_mismatch") for item in dropped.values()]


def _bound_elsewhere(item: SentBlock, reason: str, has_beta: bool) -> str:
    kind = (
        "`signature` in `thinking`"
        if item.block.get("type") == "thinking"
        else "`data` in `redacted_thinking`"
    )
    message = (
        f"{item.path}: Invalid {kind} block. The block is bound to a different conversation. "
        'Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` to "drop_block".'
    )
    if not has_beta:
        message += f" That setting requires the `{BINDING_BETA}` value in the `anthropic-beta` header."
    return f"{message} {reason}"


def _entry(kind: str, item: SentBlock, reason: str) -> dict[str, str]:
    return {"type": kind, "path": item.path, "reason": reason}


def _order(path: str) -> tuple[int, int]:
    _, message, _, index = path.split(".")
    return int(message), int(index)
