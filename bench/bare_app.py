"""THE BASELINE, NOT PRODUCT CODE: the bare turn that the bench holds the real chat turn against.

The simplest honest implementation of one streamed chat turn with a tool: FastAPI, the model,
and only the DynamoDB calls such a turn cannot avoid:

- a continued session: one Query of its history (the model must see it);
- one PutItem of the user's message, durable before the model is asked (conditional, so two turns
  with the same number cannot both be stored: 409);
- one PutItem of the reply (the model's messages and the tool results, to send back next turn).

It streams text frames and ends with ``done``. Everything else the real turn does is left out
on purpose (see bench/README.md): API key and tenant checks, agents, the run record, the lease,
audit entries, the runs index, guardrails, the deadline, error frames. Nothing imports this but
the bench.
"""

# No `from __future__ import annotations`: FastAPI reads the route's annotations at run time, and
# they name `begin`, a local function.
import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from botocore.exceptions import ClientError
from fastapi import Depends, FastAPI, HTTPException
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, Field

from bench.bare_models import Answered, BareModel, Messages

MAX_STEPS = 10
REASONING = ("thinking", "redacted_thinking")
Tool = Callable[[dict[str, Any]], str]


class BareRequest(BaseModel):
    message: str = Field(min_length=1, max_length=32_000)
    session_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


class BareSessions:
    """One item per half turn: ``BARE#<session>`` / ``<turn>#0`` the user's message, ``#1`` the reply."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client  # a low-level boto3 DynamoDB client
        self.table = table

    def history(self, session_id: str) -> tuple[int, Messages]:
        """The number of the last turn stored and every message so far, oldest first."""
        found = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": _pk(session_id)}},
            ConsistentRead=True,
        )
        items = found["Items"]
        last = int(items[-1]["SK"]["S"].split("#")[0]) if items else 0
        return last, [message for item in items for message in json.loads(item["messages"]["S"])]

    def put(self, session_id: str, turn: int, half: int, messages: Messages) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": {"S": _pk(session_id)},
                "SK": {"S": f"{turn:06d}#{half}"},
                "messages": {"S": json.dumps(messages, separators=(",", ":"))},
            },
            ConditionExpression="attribute_not_exists(PK)",
        )


@dataclass(frozen=True)
class Begun:
    session_id: str
    turn: int
    messages: Messages  # the history and the user's message


def create_bare_app(sessions: BareSessions, model: BareModel, tools: Mapping[str, Tool]) -> FastAPI:
    app = FastAPI(title="bench: the bare turn (baseline, not product code)")

    async def begin(body: BareRequest) -> Begun:
        """The history (a continued session only), then the user's message, durable."""
        session_id = body.session_id or uuid.uuid4().hex
        last, history = await asyncio.to_thread(sessions.history, session_id) if body.session_id else (0, [])
        user = {"role": "user", "content": [{"type": "text", "text": body.message}]}
        try:
            await asyncio.to_thread(sessions.put, session_id, last + 1, 0, [user])
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise HTTPException(409, "another turn of this session was stored first") from exc
            raise
        return Begun(session_id, last + 1, [*history, user])

    @app.post("/turn", response_class=EventSourceResponse)
    async def turn(begun: Annotated[Begun, Depends(begin)]) -> AsyncIterator[ServerSentEvent]:
        yield ServerSentEvent(event="session", data={"session_id": begun.session_id})
        said: Messages = []
        for _ in range(MAX_STEPS):
            reply: Answered | None = None
            async for piece in model.step([*begun.messages, *said]):
                if isinstance(piece, str):
                    yield ServerSentEvent(event="text", data={"text": piece})
                else:
                    reply = piece
            assert reply is not None, "a model step ends with its whole message"
            said.append(reply.message)
            uses = [block for block in reply.message["content"] if block["type"] == "tool_use"]
            if not uses:
                break
            said.append({"role": "user", "content": [_result(tools, use) for use in uses]})
        # An earlier turn's thinking is not sent again (the API allows leaving it out), so not kept.
        kept = [{**m, "content": [b for b in m["content"] if b["type"] not in REASONING]} for m in said]
        await asyncio.to_thread(sessions.put, begun.session_id, begun.turn, 1, kept)
        yield ServerSentEvent(event="done", data={"session_id": begun.session_id})

    return app


def _result(tools: Mapping[str, Tool], use: dict[str, Any]) -> dict[str, Any]:
    tool = tools.get(use["name"])
    content = tool(use["input"]) if tool else f"there is no tool {use['name']}"
    return {"type": "tool_result", "tool_use_id": use["id"], "content": content, "is_error": tool is None}


def _pk(session_id: str) -> str:
    return f"BARE#{session_id}"
