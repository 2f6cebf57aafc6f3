"""AWS round trips per chat turn, and the runtime's own time per turn (the model is instant)."""

from __future__ import annotations

from typing import Any

from agent_core import SingleModelProvider
from agent_core.llm.local import LocalModel
from bench.report import median, table
from bench.stack import chat_stack
from bench.timed_stream import Timed


def summary(turn: Timed) -> dict[str, Any]:
    return {
        "total_calls": turn.total_calls,
        "calls": turn.calls,
        "errors": turn.errors,
        "on_event_loop": turn.on_event_loop,
        "wall_ms": turn.done_s * 1000,
        "aws_ms": turn.aws_s * 1000,
        "write_units": {"table": turn.units.table, "index": turn.units.index},
    }


def measure(turns: int) -> dict[str, Any]:
    """First turn of a new session (cold caches), the next turn of it (warm), a new session on
    warm caches, then ``turns`` more turns timed, each opening a session (so the history read stays
    the same size from one to the next)."""
    with chat_stack(models=SingleModelProvider(LocalModel(chunk_pause_seconds=0))) as stack:
        first = stack.turn()
        second = stack.turn(session_id=first.session_id)
        other = stack.turn()
        timed = [stack.turn() for _ in range(turns)]
    return {
        "model": "local (no pauses)",
        "scenarios": {
            "new session, cold caches": summary(first),
            "same session, warm caches": summary(second),
            "new session, warm caches": summary(other),
        },
        "warm_turns": {
            "turns": turns,
            "wall_ms": median([t.done_s * 1000 for t in timed]),
            "aws_ms": median([t.aws_s * 1000 for t in timed]),
            "runtime_ms": median([(t.done_s - t.aws_s) * 1000 for t in timed]),
            "cold_turn_wall_ms": first.done_s * 1000,
        },
    }


def render(result: dict[str, Any]) -> str:
    scenarios: dict[str, dict[str, Any]] = result["scenarios"]
    return render_calls(
        "AWS calls per turn (agent general, tool tenant_info, local model, moto)", scenarios
    ) + ("\n\n" + render_timing(result["warm_turns"]))


def render_calls(title: str, scenarios: dict[str, dict[str, Any]]) -> str:
    operations = sorted({op for s in scenarios.values() for op in s["calls"]})
    rows: list[list[object]] = [
        [op, *(s["calls"].get(op, 0) for s in scenarios.values())] for op in operations
    ]
    rows.append(["total", *(s["total_calls"] for s in scenarios.values())])
    rows.append(
        [
            "write units (table + index)",
            *(f"{s['write_units']['table']:g} + {s['write_units']['index']:g}" for s in scenarios.values()),
        ]
    )
    rows.append(
        ["of them on the event loop", *(sum(s["on_event_loop"].values()) for s in scenarios.values())]
    )
    rows.append(["of them errors", *(sum(s["errors"].values()) for s in scenarios.values())])
    notes = [
        f"  {name}: {', '.join(f'{op} x{n}' for op, n in s['errors'].items())} returned an error"
        for name, s in scenarios.items()
        if s["errors"]
    ]
    notes += [
        f"  {name}: {', '.join(f'{op} x{n}' for op, n in s['on_event_loop'].items())} blocked the event loop"
        for name, s in scenarios.items()
        if s["on_event_loop"]
    ]
    return "\n".join([title, table(["operation", *scenarios], rows), *notes])


def render_timing(warm: dict[str, Any]) -> str:
    rows = [
        ["first turn (runtime caches cold)", warm["cold_turn_wall_ms"], "", ""],
        [
            f"warm turn, new session (median of {warm['turns']})",
            warm["wall_ms"],
            warm["aws_ms"],
            warm["runtime_ms"],
        ],
    ]
    return "Time per turn over HTTP (moto in-process stands in for AWS)\n" + table(
        ["turn", "wall ms", "in AWS calls ms", "rest ms"], rows
    )
