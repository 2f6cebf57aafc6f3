"""The request's thinking, effort and sampling settings, checked against the model's profile.

Rules and wording: https://platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting (the
per-model table and the 400 messages), https://platform.claude.com/docs/en/api/errors ("Common validation
errors"), https://platform.claude.com/docs/en/build-with-claude/thinking ("Limits and feature
compatibility"), https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5 and
https://platform.claude.com/docs/en/build-with-claude/prompt-engineering/prompting-claude-haiku-5-5.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from tests.fakes.model_profiles import EFFORTS, ModelProfile
from tests.fakes.refusal import invalid

BINDING_BETA = "thinking-binding-controls-2026-08-01"
DISPLAY_UPDATES_BETA = "thinking-display-updates-2026-08-18"
Mode = Literal["adaptive", "enabled", "between_tools", "off"]
_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
_MODES: dict[str, Mode] = {
    "adaptive": "adaptive",
    "enabled": "enabled",
    "disabled": "off",
    "between_tools": "between_tools",
}


@dataclass(frozen=True)
class ThinkingPlan:
    """How the model thinks for this request, after defaults."""

    mode: Mode
    display: str
    effort: str | None
    mismatch_behavior: str | None

    @property
    def on(self) -> bool:
        """Up-front thinking: the reply starts with a thinking block."""
        return self.mode in ("adaptive", "enabled")


def plan_thinking(body: dict[str, Any], profile: ModelProfile, betas: Collection[str]) -> ThinkingPlan:
    effort = _effort(body, profile)
    config = body.get("thinking")
    if config is None:
        mode: Mode = "adaptive" if profile.thinks_by_default else "off"
        return ThinkingPlan(mode, profile.default_display, effort, None)
    if not isinstance(config, dict) or config.get("type") not in _TYPES:
        raise invalid("thinking.type: Input should be 'adaptive', 'enabled', 'disabled' or 'between_tools'")
    kind = str(config["type"])
    if kind not in profile.thinking_types:
        raise invalid(_unsupported_type(kind, profile))
    if kind == "enabled":
        _budget(config, body)
    display = _display(config, kind, profile, betas)
    behavior = _binding(config, kind, betas)
    resolved_effort = effort or profile.default_effort
    if (
        kind in ("disabled", "between_tools")
        and profile.off_max_effort
        and resolved_effort in ("xhigh", "max")
    ):
        # Opus 5, Haiku 5.5 ("disabled") and Sonnet 5.5 ("between_tools") refuse these at xhigh/max.
        raise invalid(
            f'"thinking.type.{kind}" is not supported with effort "{resolved_effort}" for this model. '
            f'Lower the effort to "{profile.off_max_effort}" or below, or leave thinking on.'
        )
    return ThinkingPlan(_MODES[kind], display, effort, behavior)


def check_sampling(body: dict[str, Any], profile: ModelProfile, plan: ThinkingPlan) -> None:
    """Claude 4.7+ and 5.x refuse non-default sampling always; older models only while thinking is on."""
    temperature, top_p, top_k = body.get("temperature"), body.get("top_p"), body.get("top_k")
    if profile.sampling == "default_only":
        # Wording observed from the API on Opus 4.8 ("`temperature` is deprecated for this model.").
        for name, value, default in (
            ("temperature", temperature, 1),
            ("top_p", top_p, 1),
            ("top_k", top_k, None),
        ):
            if value is not None and value != default:
                raise invalid(f"`{name}` is deprecated for this model.")
        return
    if not plan.on:
        return
    if temperature is not None and temperature != 1:
        raise invalid("`temperature` may only be set to 1 when thinking is enabled.")
    if top_k is not None:
        raise invalid("`top_k` is not supported when thinking is enabled.")
    if top_p is not None and not 0.95 <= float(top_p) <= 1:
        raise invalid("`top_p` must be between 0.95 and 1 when thinking is enabled.")


def check_tool_choice(body: dict[str, Any], profile: ModelProfile, plan: ThinkingPlan) -> None:
    choice = body.get("tool_choice") or {}
    forced = isinstance(choice, dict) and choice.get("type") in ("any", "tool")
    if forced and not profile.forced_tool_use:
        raise invalid('tool_choice: type "tool" and "any" are not supported for this model.')
    if forced and plan.mode == "enabled":
        raise invalid("Thinking may not be enabled when tool_choice forces tool use.")


def _effort(body: dict[str, Any], profile: ModelProfile) -> str | None:
    config = body.get("output_config")
    if config is None:
        return None
    if not isinstance(config, dict):
        raise invalid("output_config: Input should be a valid dictionary")
    effort = config.get("effort")
    if effort is None:
        return None
    if effort not in EFFORTS:
        raise invalid("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")
    if effort not in profile.efforts:
        raise invalid(f'output_config.effort: "{effort}" is not supported for this model.')
    return str(effort)


def _unsupported_type(kind: str, profile: ModelProfile) -> str:
    if kind == "adaptive":
        return "adaptive thinking is not supported on this model"
    if kind == "disabled":
        return f'"thinking.type.disabled" is not supported for this model. {profile.disabled_hint}'
    if kind == "enabled":
        return (
            '"thinking.type.enabled" is not supported for this model. '
            'Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'
        )
    # The docs say only Claude Sonnet 5.5 accepts "between_tools"; they do not quote the refusal.
    return '"thinking.type.between_tools" is not supported for this model.'


def _budget(config: dict[str, Any], body: dict[str, Any]) -> None:
    budget = config.get("budget_tokens")
    if not isinstance(budget, int) or budget < 1024:
        raise invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    if not budget < int(body.get("max_tokens") or 0):
        raise invalid("`max_tokens` must be greater than `thinking.budget_tokens`.")


def _display(config: dict[str, Any], kind: str, profile: ModelProfile, betas: Collection[str]) -> str:
    display = config.get("display")
    if display is None:
        return profile.default_display
    if kind in ("disabled", "between_tools"):
        # "`display` is invalid with `thinking.type: "disabled"` (there is nothing to display)".
        raise invalid(f"thinking.{kind}.display: Extra inputs are not permitted")
    allowed = (
        ("summarized", "omitted", "updates") if DISPLAY_UPDATES_BETA in betas else ("summarized", "omitted")
    )
    if display not in allowed:
        raise invalid(f"thinking.{kind}.display: Input should be " + " or ".join(f"'{v}'" for v in allowed))
    # The fake streams "updates" like "omitted": it writes no progress-update text of its own.
    return "omitted" if display == "updates" else str(display)


def _binding(config: dict[str, Any], kind: str, betas: Collection[str]) -> str | None:
    binding = config.get("block_binding")
    if binding is None:
        return None
    if BINDING_BETA not in betas or kind not in ("adaptive", "enabled"):
        raise invalid(f"thinking.{kind}.block_binding: Extra inputs are not permitted")
    behavior = binding.get("prefix_mismatch_behavior") if isinstance(binding, dict) else "?"
    if behavior not in (None, "error", "drop_block"):
        raise invalid(
            f"thinking.{kind}.block_binding.prefix_mismatch_behavior: Input should be 'error' or 'drop_block'"
        )
    return "error" if behavior is None else str(behavior)
