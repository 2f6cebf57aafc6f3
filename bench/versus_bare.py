"""The real chat turn against the bare turn (``bench/bare_app.py``), in the same run: same moto,
same table, same model, same question (one ``tenant_info`` call, then the answer).

For each model path (the local model with no pauses; the Anthropic SDK against the loopback fake)
and for a new and a continued session: the medians of N warm turns of time to first byte, to the
first text frame and to ``done``, server CPU, AWS calls and DynamoDB write units.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import anthropic
import boto3
import httpx

from agent_core import Settings, SingleModelProvider
from agent_core.agents.general import general
from agent_core.llm.local import LocalModel
from bench.aws_calls import AwsCalls
from bench.bare_app import BareSessions, create_bare_app
from bench.bare_models import AnthropicBare, BareModel, LocalBare, Prompt
from bench.report import median, table
from bench.stack import CALLER_ID, QUESTION, TABLE, TENANT, ChatStack, chat_stack
from bench.timed_stream import Endpoint, Timed, timed_turn
from bench.tokens import PLATFORM_KEY_NAME
from tests.fakes.loopback import FakeHandler
from tests.fakes.messages_api import FakeMessagesAPI
from tests.support.server import serve

SCENARIOS = ("new session", "continued session")
SIDES = ("real", "bare")
# What tenant_info answers, as the real tool renders it (so both turns send the model the same bytes).
TENANT_INFO = json.dumps(
    {
        "tenant_id": TENANT.tenant_id,
        "tenant_name": TENANT.name,
        "plan": TENANT.plan,
        "caller_id": CALLER_ID,
        "enabled_agents": list(TENANT.enabled_agents),
    },
    separators=(",", ":"),
)


class TimedMessagesAPI(FakeMessagesAPI):
    """The loopback fake of the Messages API, keeping the CPU time it spends answering: it runs in
    this process, and its time is the model's, not the server's."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu_s = 0.0
        self._lock = threading.Lock()

    def _answer(self, handler: FakeHandler) -> None:
        started = time.thread_time()
        try:
            super()._answer(handler)
        finally:
            with self._lock:
                self.cpu_s += time.thread_time() - started


def measure(turns: int) -> dict[str, Any]:
    return {
        "turns": turns,
        "paths": {
            "local model (no pauses)": _local(turns),
            "Anthropic SDK -> loopback fake": _anthropic(turns),
        },
    }


def _local(turns: int) -> dict[str, Any]:
    with chat_stack(models=SingleModelProvider(LocalModel(chunk_pause_seconds=0))) as stack:
        bare = LocalBare(LocalModel(chunk_pause_seconds=0), Prompt.of(general))
        return _compare(stack, bare, turns, script=lambda: None)


def _anthropic(turns: int) -> dict[str, Any]:
    fake = TimedMessagesAPI().start()
    try:
        env = {
            "MODEL_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY_SECRET": PLATFORM_KEY_NAME,
            "ANTHROPIC_BASE_URL": fake.base_url,
        }
        secrets = {PLATFORM_KEY_NAME: fake.api_key}
        with chat_stack(env=env, secrets=secrets, other_cpu=lambda: fake.cpu_s) as stack:
            client = anthropic.AsyncAnthropic(api_key=fake.api_key, base_url=fake.base_url)
            bare = AnthropicBare(client, Settings.from_env().anthropic_model, Prompt.of(general))
            calls = itertools.count(1)

            def script() -> None:
                # Unique tool_use ids: a continued session sends the previous turn's back.
                fake.reply_tool_use(
                    "tenant_info",
                    {},
                    text="Let me look that up.",
                    tool_use_id=f"toolu_bench{next(calls):06d}",
                )
                fake.reply_text("You are on ", "Acme Corporation's enterprise plan.")

            result = _compare(stack, bare, turns, script=script)
    finally:
        fake.stop()
    if fake.refusals:
        raise RuntimeError(f"the fake Messages API refused a request: {fake.refusals[0].message}")
    return result


class Side(Protocol):
    def turn(self, message: str = QUESTION, session_id: str | None = None) -> Timed: ...


@dataclass(frozen=True)
class BareStack:
    """The bare app, served beside the real one: same AWS hooks, same fakes' CPU left out."""

    client: httpx.Client
    endpoint: Endpoint
    real: ChatStack

    def turn(self, message: str = QUESTION, session_id: str | None = None) -> Timed:
        return timed_turn(
            self.client, self.endpoint, self.real.calls, message, session_id, self.real.other_cpu
        )


def _compare(
    stack: ChatStack, bare_model: BareModel, turns: int, *, script: Callable[[], None]
) -> dict[str, Any]:
    """Warm both sides up (one new and one continued turn each), then ``turns`` rounds, each side
    in turn (the first side alternating): a new session, then its second turn. ``script`` runs
    before every turn (it gives the fake model its replies)."""
    sessions = BareSessions(boto3.client("dynamodb"), TABLE)
    app = create_bare_app(sessions, bare_model, {"tenant_info": lambda _: TENANT_INFO})
    with serve(app) as url, httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
        endpoint = Endpoint("/turn", {}, "text", lambda frame: frame.data["session_id"])
        sides: dict[str, Side] = {"real": stack, "bare": BareStack(client, endpoint, stack)}

        def turn(side: str, session_id: str | None = None) -> Timed:
            quiet(stack.calls)  # the last turn's background writes are its own, not this one's
            script()
            return sides[side].turn(session_id=session_id)

        for side in SIDES:
            turn(side, turn(side).session_id)
        samples: dict[tuple[str, str], list[Timed]] = {(s, c): [] for s in SIDES for c in SCENARIOS}
        for index in range(turns):
            for side in SIDES[index % 2 :] + SIDES[: index % 2]:
                new = turn(side)
                samples[side, "new session"].append(new)
                samples[side, "continued session"].append(turn(side, new.session_id))
    return {scenario: {side: _summary(samples[side, scenario]) for side in SIDES} for scenario in SCENARIOS}


def quiet(calls: AwsCalls, *, for_s: float = 0.1, within_s: float = 5.0) -> None:
    """Wait until no AWS call has started for ``for_s``: a turn's background writes (the usage
    counters, the breaker's count) end after its ``done``, and would be counted as the next turn's."""
    give_up = time.monotonic() + within_s
    seen = -1
    while time.monotonic() < give_up:
        now = sum(calls.counts.values())
        if now == seen:
            return
        seen = now
        time.sleep(for_s)


def _summary(samples: list[Timed]) -> dict[str, Any]:
    last = samples[-1]
    return {
        "first_byte_ms": median([t.first_byte_s * 1000 for t in samples]),
        "first_text_ms": median([t.first_text_s * 1000 for t in samples]),
        "done_ms": median([t.done_s * 1000 for t in samples]),
        "first_byte_less_moto_ms": median(
            [(t.first_byte_s - t.moto_cpu_by_first_byte_s) * 1000 for t in samples]
        ),
        "done_less_moto_ms": median([(t.done_s - t.moto_cpu_by_done_s) * 1000 for t in samples]),
        "server_cpu_ms": median([t.server_cpu_s * 1000 for t in samples]),
        "aws_ms": median([t.aws_s * 1000 for t in samples]),
        "moto_cpu_ms": median([t.moto_cpu_s * 1000 for t in samples]),
        "aws_calls": median([t.total_calls for t in samples]),
        "calls": last.calls,
        "write_units": {
            "table": median([t.units.table for t in samples]),
            "index": median([t.units.index for t in samples]),
        },
    }


ROWS = (
    ("time to first byte ms", "first_byte_ms"),
    ("time to first text ms", "first_text_ms"),
    ("time to done ms", "done_ms"),
    ("  first byte, less moto's CPU by then", "first_byte_less_moto_ms"),
    ("  done, less moto's CPU by then", "done_less_moto_ms"),
    ("server CPU ms (moto and fakes left out)", "server_cpu_ms"),
    ("wall time in AWS calls ms", "aws_ms"),
    ("moto CPU ms (not the server's)", "moto_cpu_ms"),
    ("AWS calls", "aws_calls"),
)


def render(result: dict[str, Any]) -> str:
    parts = []
    for path, scenarios in result["paths"].items():
        title = f"Real turn vs bare turn, {path}: median of {result['turns']} warm turns, one tool call"
        headers = ["", "new: real", "bare", "real/bare", "continued: real", "bare", "real/bare"]
        rows: list[list[object]] = []
        for label, key in ROWS:
            row: list[object] = [label]
            for scenario in SCENARIOS:
                real, bare = (float(scenarios[scenario][side][key]) for side in SIDES)
                row += [f"{real:g}", f"{bare:g}"] if key == "aws_calls" else [real, bare]
                row.append(_ratio(real, bare))
            rows.append(row)
        row = ["write units (table + index)"]
        for scenario in SCENARIOS:
            units = [scenarios[scenario][side]["write_units"] for side in SIDES]
            row += [*(f"{u['table']:g} + {u['index']:g}" for u in units)]
            row.append(_ratio(*(u["table"] + u["index"] for u in units)))
        rows.append(row)
        calls = [
            f"  {scenario}, {side}: "
            + ", ".join(f"{op.split('.')[1]} x{n}" for op, n in s[side]["calls"].items())
            for scenario, s in scenarios.items()
            for side in SIDES
        ]
        parts.append("\n".join([title, table(headers, rows), "  AWS calls of the last turn:", *calls]))
    return "\n\n".join(parts)


def _ratio(real: float, bare: float) -> str:
    return f"{real / bare:.1f}x" if bare else "-"
