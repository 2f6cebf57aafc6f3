"""A Messages API request body, checked the way the real API checks it, without any HTTP.

``check_request`` raises :class:`ApiRefusal` with the status, error type and (close to) the wording the
real API answers. Every rule cites the page it comes from; where the docs are silent the comment says so
and the fake's wording is its own. Thinking settings live in :mod:`tests.fakes.thinking_config`, thinking
blocks sent back in :mod:`tests.fakes.thinking_replay`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.model_profiles import ModelProfile, profile_for
from tests.fakes.refusal import ApiRefusal, invalid
from tests.fakes.thinking_config import ThinkingPlan, check_sampling, check_tool_choice, plan_thinking
from tests.fakes.thinking_replay import check_replayed_thinking
from tests.fakes.thinking_signer import THINKING_BLOCK_TYPES, Signer, blocks_of

__all__ = ["ApiRefusal", "RequestReview", "check_request", "review_request"]

# Tool names: https://platform.claude.com/docs/en/agents-and-tools/tool-use/define-tools
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_MAX_CACHE_BREAKPOINTS = 4  # https://platform.claude.com/docs/en/build-with-claude/prompt-caching


@dataclass(frozen=True)
class RequestReview:
    """An accepted request: its model, how it thinks, and what the API changed before the model saw it."""

    profile: ModelProfile
    thinking: ThinkingPlan
    input_transformations: list[dict[str, str]] = field(default_factory=list)


def check_request(body: dict[str, Any], signer: Signer, *, betas: Collection[str] = ()) -> ModelProfile:
    """Refuse ``body`` as the API would (raises :class:`ApiRefusal`); return the model's profile."""
    return review_request(body, signer, betas=betas).profile


def review_request(body: dict[str, Any], signer: Signer, *, betas: Collection[str] = ()) -> RequestReview:
    """Like :func:`check_request`, and also say how the model thinks and what was dropped."""
    profile = _model(body)
    _max_tokens(body, profile)
    messages = _messages(body)
    plan = plan_thinking(body, profile, betas)
    check_sampling(body, profile, plan)
    _tools(body)
    check_tool_choice(body, profile, plan)
    _roles(messages)
    _content(messages)
    _tool_blocks(body, messages)
    _prefill(messages, profile, plan)
    _tool_cycle_starts_with_thinking(messages, plan)
    _cache_breakpoints(body)
    return RequestReview(profile, plan, check_replayed_thinking(body, signer, profile, plan, betas))


def _model(body: dict[str, Any]) -> ModelProfile:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("model: Field required")
    profile = profile_for(model)
    if profile is None:  # The API answers an unknown model with a 404 naming it.
        raise ApiRefusal(f"model: {model}", status=404, error_type="not_found_error")
    return profile


def _max_tokens(body: dict[str, Any], profile: ModelProfile) -> None:
    value = body.get("max_tokens")
    if value is None:
        raise invalid("max_tokens: Field required")
    if not isinstance(value, int) or value < 1:
        raise invalid("max_tokens: Input should be greater than or equal to 1")
    if value > profile.max_output_tokens:
        # Output ceilings: https://platform.claude.com/docs/en/build-with-claude/thinking#output-limits
        raise invalid(
            f"max_tokens: {value} > {profile.max_output_tokens}, which is the maximum allowed number of "
            f"output tokens for {profile.id}"
        )


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if messages is None:
        raise invalid("messages: Field required")
    if not isinstance(messages, list) or not messages:
        raise invalid("messages: List should have at least 1 item after validation, not 0")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise invalid(f"messages.{i}: Input should be a valid dictionary")
    return messages


def _tools(body: dict[str, Any]) -> None:
    tools = body.get("tools") or []
    names: set[str] = set()
    for k, tool in enumerate(tools):
        name = tool.get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            raise invalid(f"tools.{k}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        if "type" not in tool and "input_schema" not in tool:
            raise invalid(f"tools.{k}.custom.input_schema: Field required")
        if name in names:
            raise invalid("tools: Tool names must be unique.")
        names.add(name)


def _roles(messages: list[dict[str, Any]]) -> None:
    for i, message in enumerate(messages):
        role = message.get("role")
        if role == "system":
            # Mid-conversation system messages exist on some models; runtimes here do not send them.
            raise invalid(f"messages.{i}.role: the fake does not model mid-conversation system messages")
        if role not in ("user", "assistant"):
            raise invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
    # The reference says "Consecutive `user` or `assistant` turns in your request will be combined into a
    # single turn" (anthropic/types/message_create_params.py) and does not require a first user turn.
    # The fake refuses both on purpose: a runtime that sends them has lost track of its own history.
    if messages[0]["role"] != "user":
        raise invalid('messages: first message must use the "user" role')
    for previous, message in itertools.pairwise(messages):
        if previous["role"] == message["role"]:
            raise invalid(
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{message["role"]}" roles in a row'
            )


def _content(messages: list[dict[str, Any]]) -> None:
    last = len(messages) - 1
    for i, message in enumerate(messages):
        content = message.get("content")
        if content is None:
            raise invalid(f"messages.{i}.content: Field required")
        if content in ("", []) and not (i == last and message["role"] == "assistant"):
            raise invalid(
                f"messages.{i}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
        for block in blocks_of(content):
            if block.get("type") == "text":
                text = block.get("text")
                if not isinstance(text, str) or text == "":
                    raise invalid("messages: text content blocks must be non-empty")
                if not text.strip():
                    raise invalid("messages: text content blocks must contain non-whitespace text")


def _tool_blocks(body: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    """Every ``tool_use`` is answered by a ``tool_result`` at the start of the next user message.

    https://platform.claude.com/docs/en/agents-and-tools/tool-use/handle-tool-calls: "Tool result blocks
    must immediately follow their corresponding tool use blocks", "the tool_result blocks must come FIRST
    in the content array"; wording of the two errors from
    https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons and observed refusals.
    """
    uses_tools = any(
        block.get("type") in ("tool_use", "tool_result")
        for m in messages
        for block in blocks_of(m["content"])
    )
    if uses_tools and not body.get("tools"):
        raise invalid("Requests which include `tool_use` or `tool_result` blocks must define tools.")
    seen: set[str] = set()
    for i, message in enumerate(messages):
        blocks = blocks_of(message["content"])
        if message["role"] == "assistant":
            ids = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]
            for j, block in enumerate(blocks):
                if block.get("type") == "tool_use" and block.get("id") in seen:
                    raise invalid(f"messages.{i}.content.{j}: `tool_use` ids must be unique")  # fake wording
                seen.add(str(block.get("id")))
            answered = _leading_results(messages[i + 1]) if i + 1 < len(messages) else []
            missing = [tool_id for tool_id in ids if tool_id not in answered]
            if missing:
                raise invalid(
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message."
                )
        else:
            asked = {
                str(b.get("id"))
                for b in (blocks_of(messages[i - 1]["content"]) if i else [])
                if b.get("type") == "tool_use"
            }
            for j, block in enumerate(blocks):
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in asked:
                    raise invalid(
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding "
                        "`tool_use` block in the previous message."
                    )


def _leading_results(message: dict[str, Any]) -> list[str]:
    answered: list[str] = []
    for block in blocks_of(message.get("content")):
        if block.get("type") != "tool_result":
            break
        answered.append(str(block.get("tool_use_id")))
    return answered


def _prefill(messages: list[dict[str, Any]], profile: ModelProfile, plan: ThinkingPlan) -> None:
    """A conversation that ends with an assistant turn asks the model to continue it (prefill).

    Refused on Claude 4.6 and later (https://platform.claude.com/docs/en/api/errors#prefill-not-supported),
    and on every model while thinking is on ("You can't prefill the assistant response while thinking is
    on", https://platform.claude.com/docs/en/build-with-claude/thinking#limits-and-feature-compatibility).
    A ``pause_turn`` continuation (an unanswered ``server_tool_use`` sent back as is) is not prefill:
    https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons#pause-turn.
    """
    last = messages[-1]
    if last["role"] != "assistant" or _pending_server_tool(last):
        return
    if not profile.prefill:
        raise invalid(
            "This model does not support assistant message prefill. "
            "The conversation must end with a user message."
        )
    if plan.on:  # The docs state the rule, not its wording.
        raise invalid("Assistant message prefill is not supported while thinking is enabled.")


def _pending_server_tool(message: dict[str, Any]) -> bool:
    blocks = blocks_of(message["content"])
    answered = {b.get("tool_use_id") for b in blocks if str(b.get("type", "")).endswith("_tool_result")}
    return any(b.get("type") == "server_tool_use" and b.get("id") not in answered for b in blocks)


def _tool_cycle_starts_with_thinking(messages: list[dict[str, Any]], plan: ThinkingPlan) -> None:
    """Inside a tool cycle, the assistant message holding the ``tool_use`` blocks starts with its thinking.

    "Required: within a tool-use turn, pass thinking blocks back"
    (https://platform.claude.com/docs/en/build-with-claude/thinking#preserving-thinking-blocks). The docs
    enforce the leading block only in manual mode ("Adaptive mode relaxes this"), yet the API refused our
    runtime's adaptive-mode requests with exactly this message, so the fake enforces it whenever up-front
    thinking is on.
    """
    if not plan.on or len(messages) < 2 or messages[-1]["role"] != "user":
        return
    if not _leading_results(messages[-1]):
        return
    i = len(messages) - 2
    blocks = blocks_of(messages[i]["content"])
    if not any(b.get("type") == "tool_use" for b in blocks):
        return
    first = str(blocks[0].get("type")) if blocks else "nothing"
    if first not in THINKING_BLOCK_TYPES:
        raise invalid(
            f"messages.{i}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{first}`. "
            "When `thinking` is enabled, a final `assistant` message must start with a thinking block "
            "(preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include "
            "thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please "
            "consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
        )


def _cache_breakpoints(body: dict[str, Any]) -> None:
    """At most four ``cache_control`` breakpoints, counted over system, tools and messages."""
    found = int("cache_control" in body)
    system = body.get("system")
    found += sum("cache_control" in b for b in blocks_of(system)) if isinstance(system, list) else 0
    found += sum("cache_control" in t for t in body.get("tools") or [] if isinstance(t, dict))
    for message in body.get("messages") or []:
        for block in blocks_of(message.get("content")):
            found += "cache_control" in block
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                found += sum(
                    "cache_control" in inner for inner in block["content"] if isinstance(inner, dict)
                )
    if found > _MAX_CACHE_BREAKPOINTS:
        raise invalid(f"A maximum of 4 blocks with cache_control may be provided. Found {found}.")
