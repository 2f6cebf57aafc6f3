"""What each Claude model accepts and does by default, as Anthropic's documentation states it.

Sources (read November 2026; cited again on the rows they decide):
- per-model thinking types, defaults and the values refused with a 400:
  https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting
- `display` defaults, sampling parameters, prefill, forced tool use, output limits:
  https://platform.claude.com/docs/en/build-with-claude/thinking
- prefill refused on Claude 4.6 and later: https://platform.claude.com/docs/en/api/errors
- models with preserved thinking (prefix binding), and which model reads whose blocks:
  https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/prefix-checks,
  https://platform.claude.com/docs/en/build-with-claude/preserved-thinking#switching-models,
  https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-thinking-block-binding.html
- the 5.5 models: https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5,
  https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5,
  https://platform.claude.com/docs/en/models/haiku-5-5/overview and its migration guide,
  https://platform.claude.com/docs/en/build-with-claude/prompt-engineering/prompting-claude-haiku-5-5
- Bedrock ids and inference-profile prefixes:
  https://platform.claude.com/docs/en/build-with-claude/claude-on-amazon-bedrock-legacy
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Display = Literal["summarized", "omitted"]
Sampling = Literal["default_only", "not_with_thinking"]

EFFORTS = ("low", "medium", "high", "xhigh", "max")
ALL_EFFORTS = frozenset(EFFORTS)
UP_TO_MAX = frozenset({"low", "medium", "high", "max"})

# Cloud-platform prefixes of Bedrock's cross-region inference profiles (claude-on-amazon-bedrock-legacy).
BEDROCK_PROFILE_PREFIXES = ("global.", "us.", "eu.", "jp.", "apac.")
_BEDROCK_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]+:\d*:(?:inference-profile|foundation-model)/(?P<id>.+)$"
)
_ADAPTIVE_HINT = 'Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'


@dataclass(frozen=True)
class ModelProfile:
    """One model's rules. ``reads_from`` lists the other models whose thinking blocks it can read."""

    id: str
    thinking_types: frozenset[str]
    thinks_by_default: bool
    default_display: Display
    efforts: frozenset[str]
    default_effort: str | None
    max_output_tokens: int
    context_window: int
    sampling: Sampling = "default_only"
    prefill: bool = False
    forced_tool_use: bool = True
    # "disabled" / "between_tools" are refused above this effort (Opus 5, Haiku 5.5, Sonnet 5.5).
    off_max_effort: str | None = None
    disabled_hint: str = _ADAPTIVE_HINT
    preserved_thinking: bool = False
    # "error": a failed prefix check refuses (or drops with drop_block); "allow": blocks pass, flagged.
    prefix_outcome: Literal["error", "allow"] = "error"
    reads_from: frozenset[str] = frozenset()
    blocks_portable: bool = False
    # On Bedrock's legacy InvokeModel table (Opus 4.6 and earlier): no dated `anthropic_version`.
    bedrock_legacy: bool = False
    aliases: tuple[str, ...] = ()
    bedrock_ids: tuple[str, ...] = field(default=())

    @property
    def thinks_always(self) -> bool:
        return "disabled" not in self.thinking_types and "between_tools" not in self.thinking_types

    def can_read_block_of(self, producer: ModelProfile) -> bool:
        # Haiku 5.5's blocks replay on any model; the reverse does not hold (AWS preserved-thinking page).
        return producer.id == self.id or producer.blocks_portable or producer.id in self.reads_from


def _profiles() -> list[ModelProfile]:
    fable_readers = frozenset(  # "read thinking blocks produced by each other and by earlier Claude models"
        {
            "claude-opus-5-5", "claude-opus-5", "claude-sonnet-5", "claude-fable-5", "claude-mythos-5",
            "claude-mythos-preview", "claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6",
            "claude-sonnet-4-6", "claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5",
        }
    )  # fmt: skip
    opus_5_5_reads = frozenset(  # "Claude Opus 5 and earlier Opus, Sonnet, and Haiku models"
        {
            "claude-opus-5", "claude-sonnet-5", "claude-opus-4-8", "claude-opus-4-7", "claude-opus-4-6",
            "claude-sonnet-4-6", "claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5",
        }
    )  # fmt: skip
    always_adaptive = frozenset({"adaptive"})
    BIG = (128_000, 1_000_000)  # max output tokens, context window
    return [
        # Fable/Mythos 5.2: only Fable 5.2 and Mythos 5.2 read Fable 5.2's blocks (whats-new-fable-5-2);
        # what 5.2 reads of older models is not stated, so the fake lets it read only the pair.
        ModelProfile(
            "claude-fable-5-2", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG,
            preserved_thinking=True, forced_tool_use=False, reads_from=frozenset({"claude-mythos-5-2"}),
            bedrock_ids=("anthropic.claude-fable-5-2",),
        ),
        ModelProfile(
            "claude-mythos-5-2", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG,
            preserved_thinking=True, forced_tool_use=False, reads_from=frozenset({"claude-fable-5-2"}),
        ),
        ModelProfile(
            "claude-fable-5-1", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG,
            preserved_thinking=True, forced_tool_use=False,
            reads_from=fable_readers | {"claude-mythos-5-1"}, bedrock_ids=("anthropic.claude-fable-5-1",),
        ),
        # Mythos 5.1 "records the same signature but doesn't run" the prefix check (AWS page): no 400.
        ModelProfile(
            "claude-mythos-5-1", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG,
            preserved_thinking=True, prefix_outcome="allow", forced_tool_use=False,
            reads_from=fable_readers | {"claude-fable-5-1"},
        ),
        ModelProfile(
            "claude-fable-5", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG,
            bedrock_ids=("anthropic.claude-fable-5",),
        ),
        ModelProfile("claude-mythos-5", always_adaptive, True, "omitted", ALL_EFFORTS, "high", *BIG),
        ModelProfile(
            "claude-mythos-preview", frozenset({"adaptive", "enabled"}), True, "omitted", ALL_EFFORTS,
            "high", *BIG,
            disabled_hint=(
                'Thinking defaults to adaptive mode when not specified; use "thinking.type.enabled" '
                'with "budget_tokens" for extended thinking.'
            ),
        ),
        # Opus 5.5: always on, default effort medium, forced tool use refused.
        ModelProfile(
            "claude-opus-5-5", always_adaptive, True, "omitted", ALL_EFFORTS, "medium", *BIG,
            preserved_thinking=True, forced_tool_use=False, reads_from=opus_5_5_reads,
            bedrock_ids=("anthropic.claude-opus-5-5",),
        ),
        # Sonnet 5.5: "between_tools" replaces "disabled" and is refused at xhigh/max; effort high.
        ModelProfile(
            "claude-sonnet-5-5", frozenset({"adaptive", "between_tools"}), True, "omitted", ALL_EFFORTS,
            "high", *BIG, off_max_effort="high", preserved_thinking=True, forced_tool_use=False,
            disabled_hint='Use "thinking.type.between_tools" to turn off up-front thinking on this model.',
            bedrock_ids=("anthropic.claude-sonnet-5-5",),
        ),
        # Haiku 5.5: on by default, "disabled" only up to high effort, its blocks replay anywhere.
        ModelProfile(
            "claude-haiku-5-5", frozenset({"adaptive", "disabled"}), True, "omitted", ALL_EFFORTS,
            "medium", *BIG, off_max_effort="high", preserved_thinking=True, blocks_portable=True,
            bedrock_ids=("anthropic.claude-haiku-5-5",),
        ),
        ModelProfile(
            "claude-opus-5", frozenset({"adaptive", "disabled"}), True, "omitted", ALL_EFFORTS, "high",
            *BIG, off_max_effort="high", bedrock_ids=("anthropic.claude-opus-5",),
        ),
        ModelProfile(
            "claude-sonnet-5", frozenset({"adaptive", "disabled"}), True, "omitted", ALL_EFFORTS, "high",
            *BIG, bedrock_ids=("anthropic.claude-sonnet-5",),
        ),
        ModelProfile(
            "claude-opus-4-8", frozenset({"adaptive", "disabled"}), False, "omitted", ALL_EFFORTS, "high",
            *BIG, bedrock_ids=("anthropic.claude-opus-4-8",),
        ),
        ModelProfile(
            "claude-opus-4-7", frozenset({"adaptive", "disabled"}), False, "omitted", ALL_EFFORTS, "high",
            *BIG, bedrock_ids=("anthropic.claude-opus-4-7",),
        ),
        ModelProfile(
            "claude-opus-4-6", frozenset({"adaptive", "enabled", "disabled"}), False, "summarized",
            UP_TO_MAX, "high", *BIG, sampling="not_with_thinking",
            bedrock_legacy=True, bedrock_ids=("anthropic.claude-opus-4-6-v1",),
        ),
        ModelProfile(
            "claude-sonnet-4-6", frozenset({"adaptive", "enabled", "disabled"}), False, "summarized",
            UP_TO_MAX, "high", *BIG, sampling="not_with_thinking",
            bedrock_legacy=True, bedrock_ids=("anthropic.claude-sonnet-4-6",),
        ),
        ModelProfile(
            "claude-opus-4-5", frozenset({"enabled", "disabled"}), False, "summarized",
            frozenset({"low", "medium", "high"}), "high", 64_000, 200_000, sampling="not_with_thinking",
            prefill=True, bedrock_legacy=True, aliases=("claude-opus-4-5-20251101",),
            bedrock_ids=("anthropic.claude-opus-4-5-20251101-v1:0",),
        ),
        ModelProfile(
            "claude-sonnet-4-5", frozenset({"enabled", "disabled"}), False, "summarized", frozenset(),
            None, 64_000, 200_000, sampling="not_with_thinking", prefill=True, bedrock_legacy=True,
            aliases=("claude-sonnet-4-5-20250929",),
            bedrock_ids=("anthropic.claude-sonnet-4-5-20250929-v1:0",),
        ),
        ModelProfile(
            "claude-haiku-4-5", frozenset({"enabled", "disabled"}), False, "summarized", frozenset(),
            None, 64_000, 200_000, sampling="not_with_thinking", prefill=True, bedrock_legacy=True,
            aliases=("claude-haiku-4-5-20251001",),
            bedrock_ids=("anthropic.claude-haiku-4-5-20251001-v1:0",),
        ),
    ]  # fmt: skip


PROFILES: dict[str, ModelProfile] = {}
_BY_NAME: dict[str, ModelProfile] = {}
_BY_BEDROCK_ID: dict[str, ModelProfile] = {}
for _profile in _profiles():
    PROFILES[_profile.id] = _profile
    for _name in (_profile.id, *_profile.aliases):
        _BY_NAME[_name] = _profile
    for _bedrock_id in _profile.bedrock_ids:
        _BY_BEDROCK_ID[_bedrock_id] = _profile


def profile_for(model: str) -> ModelProfile | None:
    """The profile for a Claude API model id, a Bedrock model id, inference profile or ARN; else None."""
    if model in _BY_NAME:
        return _BY_NAME[model]
    arn = _BEDROCK_ARN.match(model)
    bedrock_id = arn.group("id") if arn else model
    for prefix in BEDROCK_PROFILE_PREFIXES:
        if bedrock_id.startswith(prefix):
            bedrock_id = bedrock_id[len(prefix) :]
            break
    return _BY_BEDROCK_ID.get(bedrock_id)
