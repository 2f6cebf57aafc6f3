"""Session memory in DynamoDB: durable user messages, whole turns, leases, expiry, item limits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from agent_core import Caller, Message, Owner, Runtime, SessionBusy, SingleModelProvider, Tenant, TurnRequest
from agent_core.agents import Agent, AgentRegistry
from agent_core.agents.general import general
from agent_core.clock import iso
from agent_core.errors import IdempotencyKeyInUse
from agent_core.llm.scripted import say
from agent_core.llm.types import ToolResultBlock, ToolUseBlock
from agent_core.store import RunRecord, ToolCallRecord
from agent_core.store.idempotency import IdempotencyKey
from agent_core.store.sessions import SessionHistory
from tests.conftest import RuntimeFactory
from tests.fakes.scripted_model import ScriptedModel

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def run_of(run_id: str, turn: int, now: datetime = NOW) -> RunRecord:
    """A run of turn ``turn`` of acme's session s1, started ``now`` with a 60 s deadline."""
    return RunRecord(
        run_id=run_id,
        tenant_id="acme",
        session_id="s1",
        agent_id="general",
        caller_id="alice",
        model="scripted",
        turn=turn,
        started_at=iso(now),
        deadline_at=iso(now + timedelta(seconds=60)),
    )


def begin(
    runtime: Runtime, text: str, *, now: datetime = NOW, previous: SessionHistory | None = None
) -> RunRecord:
    previous = previous or SessionHistory.new()
    run = run_of(f"run_{text.replace(' ', '_')}", previous.next_turn, now)
    runtime.sessions.begin_turn(run, Message.user_text(text), previous=previous)
    return run


def one_turn(
    runtime: Runtime, text: str, *, now: datetime = NOW, replies: list[Message] | None = None
) -> int:
    sessions = runtime.sessions
    run = begin(runtime, text, now=now, previous=sessions.load("acme", "s1", now))
    ended = run.model_copy(update={"status": "completed", "finished_at": iso(now)})
    default = [Message(role="assistant", content=Message.user_text(f"re: {text}").content)]
    sessions.end_turn(ended, [Message.user_text(text), *(replies if replies is not None else default)])
    return run.turn


def test_turns_are_numbered_and_read_back_in_order(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    assert [one_turn(runtime, "a"), one_turn(runtime, "b")] == [1, 2]
    history = runtime.sessions.load("acme", "s1", NOW)
    assert [m.text for m in history.messages] == ["a", "re: a", "b", "re: b"]
    assert history.meta is not None and (history.meta.turn, history.meta.active_run) == (2, "run_b")
    assert history.unfinished is None  # the last run ended: the session is free


def test_a_turn_in_progress_holds_the_session_until_its_lease_runs_out(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    sessions = runtime.sessions
    begin(runtime, "first")
    history = sessions.load("acme", "s1", NOW)

    with pytest.raises(SessionBusy):
        begin(runtime, "second", previous=history)
    later = NOW + timedelta(minutes=5)  # the first turn's process died; its lease has run out
    run = begin(runtime, "second", now=later, previous=sessions.load("acme", "s1", later))

    assert run.turn == 2
    assert [m.text for m in sessions.load("acme", "s1", later).messages] == ["first", "second"]


def test_a_stale_view_of_the_session_cannot_start_a_turn(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    one_turn(runtime, "a")
    with pytest.raises(SessionBusy):
        begin(runtime, "x", previous=None)


def test_expired_messages_are_not_sent_again(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime(session_retention_days=30)
    one_turn(runtime, "old", now=NOW - timedelta(days=31))
    one_turn(runtime, "new")
    assert [m.text for m in runtime.sessions.load("acme", "s1", NOW).messages] == ["new", "re: new"]


def test_history_is_cut_at_a_turn_boundary(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime(history_max_messages=3)
    tool_turn = [
        Message(role="assistant", content=(ToolUseBlock(id="t1", name="tenant_info", input={}),)),
        Message(role="user", content=(ToolResultBlock(tool_use_id="t1", content="{}"),)),
        Message(role="assistant", content=Message.user_text("done").content),
    ]
    one_turn(runtime, "a", replies=tool_turn)
    one_turn(runtime, "b")
    messages = runtime.sessions.load("acme", "s1", NOW).messages
    assert [m.text for m in messages] == ["b", "re: b"]
    assert messages[0].role == "user"


def test_a_huge_tool_result_is_shortened_to_fit_one_item(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    big = Message(role="user", content=(ToolResultBlock(tool_use_id="t1", content="x" * 500_000),))
    one_turn(
        runtime,
        "a",
        replies=[Message(role="assistant", content=(ToolUseBlock(id="t1", name="n", input={}),)), big],
    )
    stored = runtime.sessions.load("acme", "s1", NOW).messages[2].content[0]
    assert isinstance(stored, ToolResultBlock)
    assert 100_000 < len(stored.content) < 360_000
    assert stored.content.endswith("[truncated in memory]")


def test_a_long_turn_is_stored_across_several_transactions(make_runtime: RuntimeFactory) -> None:
    runtime = make_runtime()
    replies = [Message(role="assistant", content=Message.user_text(f"part {n}").content) for n in range(150)]
    one_turn(runtime, "a", replies=replies)
    reader = make_runtime(history_max_messages=1000).sessions
    assert len(reader.load("acme", "s1", NOW).messages) == 151


@pytest.mark.anyio
async def test_a_session_stays_with_the_agent_that_started_it(make_runtime: RuntimeFactory) -> None:
    other = Agent(id="other", title="Other", description="Another agent.", prompt="Be brief.")
    settings = make_runtime().settings
    runtime = Runtime(
        settings,
        models=SingleModelProvider(ScriptedModel([say("hi")])),
        agents=AgentRegistry([general, other]),
    )
    runtime.tenants.put(Tenant(tenant_id="acme", name="Acme", enabled_agents=("general", "other")))
    caller = Caller(tenant_id="acme", caller_id="alice", key_id="key_1")
    turn = await runtime.chat.start(caller, "general", TurnRequest(message="hi", session_id="s1"))
    [event async for event in turn.events()]

    with pytest.raises(SessionBusy) as failure:
        await runtime.chat.start(caller, "other", TurnRequest(message="hi", session_id="s1"))
    assert failure.value.code == "session_agent_mismatch"
    assert failure.value.status == 409


def test_a_turn_of_any_size_is_stored_and_its_run_kept_within_one_item(make_runtime: RuntimeFactory) -> None:
    # 25 steps of 60 tool calls each, every result a few KB: more than one item, more than one
    # transaction, and a run record with 1,500 steps.
    runtime = make_runtime(history_max_messages=1000)
    run = begin(runtime, "do everything")
    messages: list[Message] = [Message.user_text("do everything")]
    steps: list[ToolCallRecord] = []
    for step in range(25):
        calls = [ToolUseBlock(id=f"t{step}_{n}", name="look_up", input={"n": n}) for n in range(60)]
        messages.append(Message(role="assistant", content=tuple(calls)))
        messages.append(
            Message(
                role="user",
                content=tuple(ToolResultBlock(tool_use_id=c.id, content="r" * 3000) for c in calls),
            )
        )
        steps += [
            ToolCallRecord(call_id=c.id, tool="look_up", input=c.input, ok=True, output_summary="r" * 200)
            for c in calls
        ]
    ended = run.model_copy(update={"status": "completed", "finished_at": iso(NOW), "steps": tuple(steps)})

    runtime.sessions.end_turn(ended, messages)

    assert runtime.sessions.load("acme", "s1", NOW).messages == tuple(messages)
    stored = runtime.runs.get("acme", run.run_id)
    assert stored is not None and stored.status == "completed"
    assert (len(stored.steps), stored.steps_omitted) == (100, 1400)
    assert stored.steps[-1].call_id == "t24_59"  # the latest steps are the ones kept


def test_an_idempotency_key_starts_one_turn_per_caller_for_a_day(make_runtime: RuntimeFactory) -> None:
    sessions = make_runtime().sessions
    now = datetime.now(UTC)
    key = IdempotencyKey.of("order-1", {"message": "hi"})

    def start(
        run_id: str, session_id: str, at: datetime, caller_id: str = "alice", end_user_id: str | None = None
    ) -> None:
        run = run_of(run_id, 1, at).model_copy(
            update={"session_id": session_id, "caller_id": caller_id, "end_user_id": end_user_id}
        )
        sessions.begin_turn(run, Message.user_text("hi"), previous=SessionHistory.new(), idempotency=key)

    start("run_a", "s1", now)
    with pytest.raises(IdempotencyKeyInUse):
        start("run_b", "s2", now)  # the same request sent twice at once, in another session

    assert sessions.load("acme", "s2", now).meta is None  # nothing of the loser was written
    claim = sessions.idempotency.find("acme", Owner(caller_id="alice"), key)
    assert claim is not None and (claim.run_id, claim.session_id) == ("run_a", "s1")
    start("run_c", "s3", now, caller_id="bob")  # another caller's key of the same name is free
    start("run_e", "s5", now, end_user_id="u1")  # and so is one end user's of this caller
    assert sessions.idempotency.find("acme", Owner(caller_id="alice", end_user_id="u2"), key) is None
    start("run_d", "s4", now + timedelta(hours=24, seconds=1))  # and this one, a day later


def test_of_two_turns_claiming_one_key_at_once_exactly_one_starts(make_runtime: RuntimeFactory) -> None:
    # DynamoDB applies a conditional write atomically; the fake must too (tests/support/atomic_moto.py).
    sessions = make_runtime().sessions
    now = datetime.now(UTC)

    def claim(round_: int, side: str, start: threading.Barrier) -> bool:
        run = run_of(f"run_{round_}{side}", 1, now).model_copy(update={"session_id": f"s{round_}{side}"})
        key = IdempotencyKey.of(f"order-{round_}", {"message": "hi"})
        start.wait(5)
        try:
            sessions.begin_turn(run, Message.user_text("hi"), previous=SessionHistory.new(), idempotency=key)
        except IdempotencyKeyInUse:
            return False
        return True

    for round_ in range(10):
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            won = list(pool.map(lambda side: claim(round_, side, start), "ab"))  # noqa: B023 (joined here)

        assert sorted(won) == [False, True], f"round {round_}: {won}"
