"""What one turn sends to the Anthropic API: prompt and tool schema size, cache breakpoints, bytes.

The model path is the real one (``AnthropicProvider`` built by ``Runtime`` from the environment,
the SDK's own HTTP and SSE parsing) against the loopback fake of the Messages API.
"""

from __future__ import annotations

import json
from typing import Any

from bench.report import table
from bench.round_trips import render_calls, summary
from bench.stack import chat_stack
from tests.fakes.messages_api import RecordedRequest, running_messages_api

PLATFORM_KEY_NAME = "agent-runtime/platform/anthropic"
MIN_CACHEABLE_TOKENS = 1024  # the smallest prefix the API caches (Sonnet); Haiku and Opus need 4,096


def count_key(value: object, key: str) -> int:
    if isinstance(value, dict):
        return int(key in value) + sum(count_key(item, key) for item in value.values())
    if isinstance(value, list):
        return sum(count_key(item, key) for item in value)
    return 0


def step(request: RecordedRequest) -> dict[str, Any]:
    body = request.body
    system = body.get("system", "")
    system_chars = (
        len(system) if isinstance(system, str) else sum(len(block.get("text", "")) for block in system)
    )
    tools_chars = len(json.dumps(body.get("tools", []), separators=(",", ":"), ensure_ascii=False))
    return {
        "body_bytes": int(request.headers.get("content-length", "0")),
        "messages": len(body.get("messages", [])),
        "tools": len(body.get("tools", [])),
        "system_chars": system_chars,
        "tools_chars": tools_chars,
        "prefix_tokens_est": (system_chars + tools_chars) // 4,
        "cache_breakpoints": count_key(body, "cache_control"),
    }


def measure() -> dict[str, Any]:
    with running_messages_api() as fake:
        # As deployed: the platform's key in Secrets Manager, named by ANTHROPIC_API_KEY_SECRET.
        env = {
            "MODEL_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY_SECRET": PLATFORM_KEY_NAME,
            "ANTHROPIC_BASE_URL": fake.base_url,
        }
        with chat_stack(env=env, secrets={PLATFORM_KEY_NAME: fake.api_key}) as stack:
            fake.reply_tool_use("tenant_info", {}, text="Let me look that up.")
            fake.reply_text("You are on ", "Acme Corporation's enterprise plan.")
            first = stack.turn()
            fake.reply_tool_use("tenant_info", {}, tool_use_id="toolu_01FakeToolUse2")
            fake.reply_text("Still Acme.")
            second = stack.turn(session_id=first.session_id)
        requests = [r for r in fake.requests if r.path.split("?")[0] == "/v1/messages"]
    steps = [step(r) for r in requests]
    return {
        "model_path": "AnthropicProvider -> loopback fake Messages API",
        "steps": steps,
        "prefix_tokens_est": steps[0]["prefix_tokens_est"] if steps else 0,
        "min_cacheable_tokens": MIN_CACHEABLE_TOKENS,
        "aws": {"new session, cold caches": summary(first), "same session, warm caches": summary(second)},
    }


def render(result: dict[str, Any]) -> str:
    steps: list[dict[str, Any]] = result["steps"]
    rows = [
        [
            f"turn {index // 2 + 1} step {index % 2 + 1}",
            s["messages"],
            s["system_chars"],
            s["tools_chars"],
            s["prefix_tokens_est"],
            s["cache_breakpoints"],
            s["body_bytes"],
        ]
        for index, s in enumerate(steps)
    ]
    headers = [
        "request",
        "messages",
        "system chars",
        "tools chars",
        "~tokens (chars/4)",
        "cache_control",
        "body bytes",
    ]
    lines = ["Tokens per turn (2-step tool turn, twice in one session, Anthropic path)", table(headers, rows)]
    if result["prefix_tokens_est"] < result["min_cacheable_tokens"]:
        estimate, minimum = result["prefix_tokens_est"], result["min_cacheable_tokens"]
        lines.append(
            f"  note: system + tools ≈ {estimate} tokens, below the {minimum}-token minimum cacheable"
            " prefix; their breakpoints cache nothing until the conversation grows past it"
        )
    lines += ["", render_calls("AWS calls per turn, Anthropic path", result["aws"])]
    return "\n".join(lines)
