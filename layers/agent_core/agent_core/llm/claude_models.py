"""Which thinking settings each Claude model family accepts, so an agent's choice never becomes a 400.

An agent says ``adaptive`` or ``disabled`` and an effort; the models differ in how to say it
(platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting, the per-model table;
models/sonnet-5-5/whats-new-sonnet-5-5):

- Sonnet 5.5 refuses ``disabled``: its lowest setting is ``between_tools`` (up to high effort);
- Opus 5.5, Fable and Mythos think always: ``disabled`` becomes adaptive at low effort;
- Sonnet 4.5, Opus 4.5 and Haiku 4.5 know only extended thinking (``enabled`` with a budget, below
  ``max_tokens``), and Sonnet 4.5 and Haiku 4.5 take no effort;
- the others accept ``adaptive`` and ``disabled`` as written.

A model id may be the API's (``claude-sonnet-5-5``), a dated one, or Bedrock's (``anthropic.…``,
an inference profile ``us.anthropic.…``, or an ARN); unknown families get the request as written.
"""

from __future__ import annotations

import re
from typing import Any

from agent_core.llm.types import Thinking

_BETWEEN_TOOLS_WHEN_OFF = ("claude-sonnet-5-5",)
_ALWAYS_THINKING = ("claude-opus-5-5", "claude-fable-", "claude-mythos-")
_EXTENDED_ONLY = ("claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5")
_NO_EFFORT = ("claude-sonnet-4-5", "claude-haiku-4-5")
_MIN_BUDGET = 1024
_BEDROCK = re.compile(r"^(?:arn:[^/]+/)?(?:(?:global|us|eu|jp|apac)\.)?(?:anthropic\.)?")


def family(model: str) -> str:
    """``us.anthropic.claude-haiku-4-5-20251001-v1:0`` → ``claude-haiku-4-5-20251001-v1:0``."""
    return _BEDROCK.sub("", model, count=1)


def thinking_params(model: str, thinking: Thinking, max_tokens: int) -> dict[str, Any]:
    """The ``thinking`` and ``output_config`` fields of a request to ``model``."""
    name = family(model)
    effort = None if name.startswith(_NO_EFFORT) else thinking.effort
    # "omitted": we never show or keep the reasoning's text, and the answer streams sooner.
    adaptive = {"type": "adaptive", "display": "omitted"}
    if thinking.enabled and name.startswith(_EXTENDED_ONLY):
        # budget_tokens: at least 1,024 and below max_tokens; half leaves the answer the other half.
        budget = max(_MIN_BUDGET, max_tokens // 2)
        config: dict[str, Any] = (
            {"type": "enabled", "budget_tokens": budget} if budget < max_tokens else {"type": "disabled"}
        )
    elif thinking.enabled:
        config = adaptive
    elif name.startswith(_ALWAYS_THINKING):
        config, effort = adaptive, "low"
    else:
        config = {"type": "between_tools" if name.startswith(_BETWEEN_TOOLS_WHEN_OFF) else "disabled"}
        # With up-front thinking off, xhigh and max are refused (Sonnet 5.5, Opus 5, Haiku 5.5).
        if effort in ("xhigh", "max"):
            effort = "high"
    params: dict[str, Any] = {"thinking": config}
    if effort is not None:
        params["output_config"] = {"effort": effort}
    return params


def thinks_up_front(model: str, thinking: Thinking) -> bool:
    """Whether answers start with a thinking block (and a tool cycle must send it back first)."""
    return thinking.enabled or family(model).startswith(_ALWAYS_THINKING)
