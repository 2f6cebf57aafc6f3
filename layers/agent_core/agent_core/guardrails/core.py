"""Asking the rules, in order: the first that objects decides; a call no rule stops runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agent_core.guardrails.decision import RUN, Decision, ProposedCall, Refuse, TurnOpening
from agent_core.tools.context import RunContext


class Rule(Protocol):
    """One guardrail: it says nothing (None) or decides the call."""

    async def check(self, call: ProposedCall) -> Decision | None: ...


@runtime_checkable
class BeforeModel(Protocol):
    """A guardrail also asked before each model call (a switch turned off stops a run there)."""

    async def before_model(self, ctx: RunContext) -> Refuse | None: ...


@runtime_checkable
class BeforeTurn(Protocol):
    """A guardrail also asked before a turn starts; a refusal there is the request's error.

    It is asked twice: with ``read=False`` before the model's first request goes out (decide from
    what is known, no I/O), then with ``read=True`` while that request is under way and before the
    user's message is stored (read what is missing, without delaying the model).
    """

    async def before_turn(self, opening: TurnOpening, *, read: bool) -> Refuse | None: ...


@runtime_checkable
class Settles(Protocol):
    """A guardrail with writes of its own in the background, awaited before a turn ends."""

    async def settle(self) -> None: ...


class Guardrails:
    """The rules of this runtime, asked before every tool call (and some before every model call)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)

    async def decide(self, call: ProposedCall) -> Decision:
        for rule in self.rules:
            decision = await rule.check(call)
            if decision is not None:
                return decision
        return RUN

    async def before_model(self, ctx: RunContext) -> Refuse | None:
        """The first objection to asking the model again, if any."""
        for rule in self.rules:
            if isinstance(rule, BeforeModel):
                refusal = await rule.before_model(ctx)
                if refusal is not None:
                    return refusal
        return None

    async def before_turn(self, opening: TurnOpening, *, read: bool) -> Refuse | None:
        """The first objection to starting this turn, if any (see :class:`BeforeTurn`)."""
        for rule in self.rules:
            if isinstance(rule, BeforeTurn):
                refusal = await rule.before_turn(opening, read=read)
                if refusal is not None:
                    return refusal
        return None

    async def settle(self) -> None:
        """Wait for the rules' background writes (counters): a frozen Lambda would hold them."""
        for rule in self.rules:
            if isinstance(rule, Settles):
                await rule.settle()
