"""The local offline model, turn by turn: which tool it calls with which arguments, and what it says.

Each story feeds the model its own tool calls back with results, as the loop does, using the
agents' real tool schemas.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from agent_core.agents.registry import default_agents
from agent_core.llm.local import INTRO, LocalModel
from agent_core.llm.types import (
    Message,
    ModelRequest,
    TextBlock,
    TextChunk,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
    ToolUseRequested,
)

AGENT_TOOLS = {agent.id: tuple(tool.spec for tool in agent.tools) for agent in default_agents()}
PROJECTS = [
    {"id": "p-101", "name": "Line 3 retrofit: servo presses", "status": "active", "members": []},
    {"id": "p-102", "name": "ISO 9001 recertification", "status": "active", "members": []},
    {"id": "p-103", "name": "Scrap reduction, CNC cell B", "status": "on_hold", "members": []},
]


@dataclass
class Conversation:
    """A turn driven to its end: the tool calls the model made, and its answer."""

    tools: tuple[ToolSpec, ...]
    results: dict[str, str] = field(default_factory=dict)  # what each tool returns, by name
    history: list[Message] = field(default_factory=list)
    calls: list[tuple[str, dict[str, object]]] = field(default_factory=list)

    def ask(self, question: str) -> str:
        self.calls = []
        self.history.append(Message.user_text(question))
        model = LocalModel(chunk_pause_seconds=0)
        for _ in range(10):
            request = ModelRequest(system="", messages=tuple(self.history), tools=self.tools)
            events = asyncio.run(_collect(model, request))
            uses = [e for e in events if isinstance(e, ToolUseRequested)]
            if not uses:
                answer = "".join(e.text for e in events if isinstance(e, TextChunk))
                self.history.append(Message(role="assistant", content=(TextBlock(text=answer),)))
                return answer
            [use] = uses
            self.calls.append((use.name, use.input))
            self.history.append(
                Message(role="assistant", content=(ToolUseBlock(id=use.id, name=use.name, input=use.input),))
            )
            result = self.results.get(use.name, f"SHADOW MODE: {use.name} did not run.")
            self.history.append(
                Message(role="user", content=(ToolResultBlock(tool_use_id=use.id, content=result),))
            )
        raise AssertionError(f"no answer after 10 steps: {self.calls}")


async def _collect(model: LocalModel, request: ModelRequest) -> list[object]:
    return [event async for event in model.stream(request)]


def projects() -> Conversation:
    return Conversation(AGENT_TOOLS["projects"], {"list_projects": json.dumps(PROJECTS)})


def test_a_task_is_created_in_a_project_named_by_name_after_looking_its_id_up() -> None:
    chat = projects()
    answer = chat.ask(
        'create a task "Calibrate the torque wrenches" in project ISO 9001 recertification '
        "and assign it to lena.kowalski@acme.example"
    )

    assert chat.calls == [
        ("list_projects", {}),
        (
            "create_task",
            {
                "project_id": "p-102",
                "title": "Calibrate the torque wrenches",
                "assignee_email": "lena.kowalski@acme.example",
            },
        ),
    ]
    assert answer.startswith(INTRO)
    assert "`create_task` (project_id: p-102" in answer and "SHADOW MODE" in answer


def test_a_task_is_assigned_by_its_id_and_an_email_in_one_call() -> None:
    chat = projects()
    chat.ask("assign task T-12 to bob@example.com")
    # The id takes the case of the schema's example (t-1003): the API's ids are lower case.
    assert chat.calls == [("assign_user", {"task_id": "t-12", "user_email": "bob@example.com"})]


def test_ids_dates_and_single_quotes_given_outright_need_no_lookup() -> None:
    chat = projects()
    chat.ask("create a task 'Ship the v2 launch' in project p-101, due 2026-12-20")
    assert chat.calls == [
        ("create_task", {"project_id": "p-101", "title": "Ship the v2 launch", "due_date": "2026-12-20"})
    ]


def test_a_write_it_cannot_fill_is_not_called_and_the_answer_says_what_is_missing() -> None:
    chat = projects()
    answer = chat.ask("create a task in project ISO 9001 recertification")
    assert chat.calls == []
    assert "To call `create_task` I need more from your message: title (put it in quotes)" in answer

    unknown = chat.ask("create a task 'Order gloves' in project Website redesign")
    assert chat.calls == [("list_projects", {})]  # looked for it, found nothing, wrote nothing
    assert "nothing `list_projects` returned matches the name in your message" in unknown
    assert "p-102" in unknown  # the list it looked in


def test_reads_are_chosen_as_before_and_each_tool_runs_once_a_turn() -> None:
    chat = projects()
    chat.ask("which projects are active?")
    assert chat.calls == [("list_projects", {})]
    chat.ask("list the tasks of project p-102")
    assert chat.calls == [("list_tasks", {"project_id": "p-102"})]

    finance = Conversation(AGENT_TOOLS["finance"])
    finance.ask("what is our cash position?")
    assert finance.calls == [("get_bank_balance", {})]
    general = Conversation(AGENT_TOOLS["general"])
    general.ask("who am I? use tenant_info")
    assert general.calls == [("tenant_info", {})]


def test_arguments_come_from_any_tool_schema_not_only_the_known_ones() -> None:
    schedule = ToolSpec(
        name="schedule_meeting",
        description="Schedule a meeting with one attendee on a day.",
        read_only=False,
        input_schema={
            "type": "object",
            "properties": {
                "topic": {"type": "string", "description": "What the meeting is about."},
                "attendee_email": {"type": "string", "pattern": "^[^@]+@[^@]+$"},
                "day": {"type": "string", "format": "date"},
                "room": {"anyOf": [{"type": "string", "enum": ["north", "south"]}, {"type": "null"}]},
            },
            "required": ["topic", "attendee_email", "day"],
        },
    )
    chat = Conversation((schedule,))
    chat.ask("schedule a meeting 'Budget review' with ann@example.com on 2026-12-03 in the south room")
    assert chat.calls == [
        (
            "schedule_meeting",
            {
                "topic": "Budget review",
                "attendee_email": "ann@example.com",
                "day": "2026-12-03",
                "room": "south",
            },
        )
    ]
    web = Conversation(AGENT_TOOLS["general"])
    web.ask('search the web for "moto server mode"')
    assert web.calls == [("web_search", {"query": "moto server mode"})]


def test_a_new_turn_starts_afresh_and_ignores_the_last_turns_calls() -> None:
    chat = projects()
    chat.ask("assign task t-1005 to priya.natarajan@acme.example")
    chat.ask("assign task t-1005 to priya.natarajan@acme.example")
    assert chat.calls == [
        ("assign_user", {"task_id": "t-1005", "user_email": "priya.natarajan@acme.example"})
    ]


def test_without_a_tool_to_call_it_says_what_it_can_do() -> None:
    answer = projects().ask("hello there")
    assert answer.startswith(INTRO)
    assert "`list_projects`, `list_tasks`" in answer and "`create_task`, `assign_user`" in answer


def test_after_a_turn_that_failed_mid_call_the_new_question_is_the_one_answered() -> None:
    # A failed turn leaves its tool result unanswered; the next question is merged behind it.
    chat = projects()
    chat.history = [
        Message.user_text("which projects are active?"),
        Message(role="assistant", content=(ToolUseBlock(id="c1", name="list_projects", input={}),)),
        Message(
            role="user",
            content=(
                ToolResultBlock(tool_use_id="c1", content=json.dumps(PROJECTS)),
                TextBlock(text="assign task t-1005 to priya.natarajan@acme.example"),
            ),
        ),
    ]
    request = ModelRequest(system="", messages=tuple(chat.history), tools=chat.tools)
    events = asyncio.run(_collect(LocalModel(chunk_pause_seconds=0), request))
    [use] = [e for e in events if isinstance(e, ToolUseRequested)]
    assert (use.name, use.input) == (
        "assign_user",
        {"task_id": "t-1005", "user_email": "priya.natarajan@acme.example"},
    )
