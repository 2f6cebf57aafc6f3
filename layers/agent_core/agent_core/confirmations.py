"""Deciding a write that waits for a person, and resuming its run where it paused.

:meth:`Confirmations.decide` is the one function behind ``POST /agents/{agent_id}/sessions/
{session_id}/confirmations/{call_id}``. It checks everything that can still fail with an HTTP
status (the caller may write; the session is its own, or its end user's; the confirmation is
this tenant's, this session's and this agent's, not used, not expired, not passed by a newer turn),
then decides it and reopens the run in one conditional write, so two decisions cannot both win. The
run then continues exactly as it would have: the same system prompt, tools and conversation (the
model's thinking included), starting at the decided call, which runs with the arguments stored when
it paused.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from agent_core.chat import ChatService, system_prompt
from agent_core.clock import utc_now
from agent_core.deadline import Deadline
from agent_core.errors import (
    AgentRuntimeError,
    ConfirmationClosed,
    DeadlineExceeded,
    NotFound,
    Stopped,
)
from agent_core.guardrails import TurnOpening
from agent_core.llm.claude_models import thinks_up_front
from agent_core.llm.history import model_history, without_superseded_results
from agent_core.llm.types import Message, ToolResultBlock
from agent_core.loop import LoopPlan, Resumption
from agent_core.settling import settle
from agent_core.store.confirmations import Confirmation, arguments_hash
from agent_core.store.records import RunRecord
from agent_core.tenancy import Caller
from agent_core.turn import Resumed, Turn
from agent_core.turn_state import TurnState


class Confirmations:
    def __init__(self, chat: ChatService) -> None:
        self.chat = chat

    async def decide(
        self, caller: Caller, agent_id: str, session_id: str, call_id: str, *, approve: bool
    ) -> Turn:
        """Approve or reject the write ``call_id`` and return the resumed run to stream."""
        caller.require("chat:write", "deciding a write")
        now = utc_now()
        deadline = Deadline.after(now, self.chat.settings.turn_timeout_seconds)
        try:
            async with asyncio.timeout(deadline.remaining()):
                return await self._decide(caller, agent_id, session_id, call_id, approve, now, deadline)
        except TimeoutError:
            raise DeadlineExceeded("the run ran out of time before it could resume") from None

    async def _decide(
        self,
        caller: Caller,
        agent_id: str,
        session_id: str,
        call_id: str,
        approve: bool,
        now: datetime,
        deadline: Deadline,
    ) -> Turn:
        chat = self.chat
        tenant_id = caller.tenant_id
        missing = NotFound(
            f"there is no confirmation {call_id} in this session", code="confirmation_not_found"
        )
        try:  # first of all: a session that is not the caller's (or its end user's) has nothing to decide
            history = await asyncio.to_thread(
                chat.sessions.load_for, tenant_id, caller.owner, session_id, now
            )
        except NotFound:
            raise missing from None
        pending = await asyncio.to_thread(chat.sessions.confirmations.get, tenant_id, session_id, call_id)
        if pending is None or pending.agent_id != agent_id:
            raise missing
        if pending.decision is not None:
            raise ConfirmationClosed(
                f"this confirmation was {pending.decision} already; it can be given once",
                code="confirmation_used",
            )
        if now > datetime.fromisoformat(pending.expires_at):
            await settle(chat.sessions, chat.audit, pending, "expired")
            raise ConfirmationClosed(
                f"this confirmation expired at {pending.expires_at}; the write did not run",
                code="confirmation_expired",
            )
        tenant = await asyncio.to_thread(chat.tenants.get, tenant_id)
        agent = chat.agents.get(agent_id)
        if tenant is None or agent is None or not tenant.may_use(agent_id):
            raise NotFound(f"there is no agent {agent_id!r}", code="agent_not_found")
        opening = TurnOpening(caller=caller, tenant=tenant, agent_id=agent_id)
        if refusal := await chat.guardrails.before_turn(opening, read=True):
            raise Stopped(refusal.reason)  # switched off: the write stays undecided until it expires
        meta = history.meta
        if meta is None or (meta.turn, meta.active_run, meta.awaiting) != (
            pending.turn,
            pending.run_id,
            call_id,
        ):
            await settle(chat.sessions, chat.audit, pending, "superseded")
            raise ConfirmationClosed(
                "the conversation has moved on since this write was proposed; it did not run",
                code="confirmation_superseded",
            )
        paused = await asyncio.to_thread(chat.sessions.runs.get, tenant_id, pending.run_id)
        if paused is None or paused.status != "awaiting_confirmation" or not history.turns:
            raise ConfirmationClosed(
                "this run is no longer waiting for a confirmation", code="confirmation_used"
            )
        user_message, *said = history.turns[-1]
        messages = without_superseded_results(said)
        earlier = _results_before_pause(messages, pending)
        _check_call(messages, pending)
        model = await asyncio.to_thread(chat.model_for, tenant)
        tools = {name: tool for name in pending.tools if (tool := agent.tools.get(name)) is not None}
        plan = LoopPlan(
            model=model,
            system=system_prompt(agent, datetime.fromisoformat(paused.started_at)),
            history=model_history(
                (*history.turns[:-1], (user_message,)),
                thinking=thinks_up_front(model.name, pending.thinking),
                tools=bool(tools),
            ),
            tools=tools,
            max_steps=pending.steps_left,
            max_tokens=pending.max_tokens,
            thinking=pending.thinking,
            tool_timeout_seconds=chat.settings.tool_timeout_seconds,
            confirm_within_seconds=chat.settings.confirmation_seconds,
        )
        run = _reopened(paused, deadline)
        await asyncio.to_thread(
            chat.sessions.resume_turn,
            pending,
            run,
            "approved" if approve else "rejected",
            by=caller.caller_id,
            now=now,
        )
        return Turn(
            state=TurnState(
                run=run,
                deadline=deadline,
                user_message=user_message,
                messages=messages,
                usage=paused.usage,
                steps=list(paused.steps),
                model=paused.model,
            ),
            plan=plan,
            ctx=chat.context(caller, tenant, run),
            guardrails=chat.guardrails,
            stores=chat.stores(caller, deadline),
            events=chat.event_log(run),
            cancel_check=chat.cancel_check(),
            on_disconnect=chat.settings.on_disconnect,
            resumed=Resumed(
                at=Resumption(
                    call_id=pending.call_id,
                    tool_use_id=pending.tool_use_id,
                    position=pending.position,
                    started_at=pending.created_at,
                    approved=approve,
                    results=earlier,
                ),
                first_part=pending.resume_part,
                stored=len(messages),
            ),
        )


def _reopened(paused: RunRecord, deadline: Deadline) -> RunRecord:
    """The paused run, running again until ``deadline``."""
    return paused.model_copy(
        update={
            "status": "running",
            "awaiting": None,
            "stop_reason": None,
            "finished_at": None,
            "deadline_at": deadline.iso,
        }
    )


def _results_before_pause(messages: list[Message], pending: Confirmation) -> tuple[ToolResultBlock, ...]:
    """Take the results the run stored when it paused off ``messages``; all are given again,
    after the decided call, when the run ends this answer."""
    if not messages or messages[-1].role != "user":
        return ()
    paused = messages.pop()
    return tuple(
        block
        for block in paused.content
        if isinstance(block, ToolResultBlock) and block.tool_use_id != pending.tool_use_id
    )


def _check_call(messages: list[Message], pending: Confirmation) -> None:
    """The stored conversation ends with the answer that asked for exactly the confirmed call."""
    uses = messages[-1].tool_uses if messages and messages[-1].role == "assistant" else ()
    use = uses[pending.position] if pending.position < len(uses) else None
    if (
        use is None
        or use.id != pending.tool_use_id
        or arguments_hash(use.input) != pending.arguments_sha256
        or arguments_hash(pending.arguments) != pending.arguments_sha256
    ):
        raise AgentRuntimeError(
            "the stored run does not match its confirmation", code="confirmation_mismatch"
        )
