"""The tool type, and the decorator that derives a tool's JSON schema from its typed parameters."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic_core import to_json

from agent_core.errors import ToolError
from agent_core.llm.types import ToolSpec
from agent_core.tools.context import RunContext

MAX_RESULT_CHARS = 50_000

ToolFunction = Callable[..., Awaitable[Any]]
# A write's rehearsal: reads what the write would need and raises ToolError where it would fail.
Check = Callable[..., Awaitable[None]]
BoundCheck = Callable[[RunContext, BaseModel], Awaitable[None]]


@dataclass(frozen=True)
class Tool:
    """A typed async function the model may call. Its docstring is what the model reads."""

    name: str
    description: str
    read_only: bool
    input_model: type[BaseModel]
    function: ToolFunction
    timeout_seconds: float | None = None
    check: BoundCheck | None = None

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name,
            description=self.description,
            input_schema=_without_titles(self.input_model.model_json_schema()),
            read_only=self.read_only,
        )

    def parse_arguments(self, arguments: dict[str, Any]) -> BaseModel:
        """Validate the model's arguments; a mistake comes back as a :class:`ToolError` it can read."""
        try:
            return self.input_model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'input'}: {error['msg']}"
                for error in exc.errors()
            )
            raise ToolError(f"invalid arguments for {self.name}: {problems}") from exc

    async def rehearse(self, ctx: RunContext, arguments: dict[str, Any]) -> None:
        """Everything of a call but its effect, for shadow mode: parse the arguments, then run the
        tool's read-only check, if it has one. A :class:`ToolError` says the call would fail, and why."""
        parsed = self.parse_arguments(arguments)
        if self.check is not None:
            await self.check(ctx, parsed)

    async def invoke(self, ctx: RunContext, arguments: dict[str, Any]) -> str:
        """Run the tool and return its result as compact JSON (or text), capped in size."""
        parsed = self.parse_arguments(arguments)
        result = await self.function(
            ctx, **{name: getattr(parsed, name) for name in type(parsed).model_fields}
        )
        return render_result(result)


@overload
def tool(function: ToolFunction, /) -> Tool: ...


@overload
def tool(
    *,
    read_only: bool = True,
    name: str | None = None,
    timeout_seconds: float | None = None,
    check: Check | None = None,
) -> Callable[[ToolFunction], Tool]: ...


def tool(
    function: ToolFunction | None = None,
    /,
    *,
    read_only: bool = True,
    name: str | None = None,
    timeout_seconds: float | None = None,
    check: Check | None = None,
) -> Tool | Callable[[ToolFunction], Tool]:
    """Turn ``async def f(ctx: RunContext, ...) -> T`` into a :class:`Tool`.

    Parameters after ``ctx`` become the JSON schema (pydantic types, defaults, ``Field`` metadata);
    the docstring becomes the description. Usable bare (``@tool``) or with options.

    A write (``read_only=False``) may name a ``check``: ``async def c(ctx: RunContext, ...) -> None``
    taking some of the tool's parameters by name, that reads (never writes) what the write would
    need and raises :class:`ToolError` where it would fail. Shadow mode runs it instead of the write
    (:meth:`Tool.rehearse`), so "it would have run" is only said of a call that would have.
    """

    def build(fn: ToolFunction) -> Tool:
        description = inspect.getdoc(fn)
        if not description:
            raise TypeError(f"tool {fn.__name__} needs a docstring: it is the model's instructions")
        hints = get_type_hints(fn, include_extras=True)
        parameters = list(inspect.signature(fn).parameters.values())
        if not parameters or hints.get(parameters[0].name) is not RunContext:
            raise TypeError(f"tool {fn.__name__} must take ctx: RunContext first")
        fields: dict[str, Any] = {
            p.name: (hints[p.name], ... if p.default is inspect.Parameter.empty else p.default)
            for p in parameters[1:]
        }
        tool_name = name or fn.__name__
        input_model = create_model(f"{tool_name}_input", __config__=ConfigDict(extra="forbid"), **fields)
        if timeout_seconds is not None and not timeout_seconds > 0:
            raise TypeError(f"tool {tool_name}: timeout_seconds must be more than 0, not {timeout_seconds}")
        if check is not None and read_only:
            raise TypeError(f"tool {tool_name} reads only: it runs in shadow mode too, and needs no check")
        return Tool(
            name=tool_name,
            description=description,
            read_only=read_only,
            input_model=input_model,
            function=fn,
            timeout_seconds=timeout_seconds,
            check=_bound(check, tool_name, set(fields)) if check is not None else None,
        )

    return build(function) if function is not None else build


def _bound(check: Check, tool_name: str, parameters: set[str]) -> BoundCheck:
    """``check`` called with the parsed arguments it names, which must all be the tool's."""
    names = list(inspect.signature(check).parameters)[1:]
    if unknown := set(names) - parameters:
        raise TypeError(f"the check of tool {tool_name} takes {', '.join(sorted(unknown))}, which it has not")

    async def run(ctx: RunContext, parsed: BaseModel) -> None:
        await check(ctx, **{name: getattr(parsed, name) for name in names})

    return run


def render_result(result: Any) -> str:
    if isinstance(result, str):
        text = result
    else:
        text = to_json(result, exclude_none=True, fallback=str).decode()
    if len(text) > MAX_RESULT_CHARS:
        return text[:MAX_RESULT_CHARS] + f" …[truncated: {len(text)} characters in all]"
    return text


def _without_titles(schema: Any) -> Any:
    """The schema without pydantic's generated ``title`` strings: tokens the model does not need."""
    if isinstance(schema, dict):
        return {
            key: _without_titles(value)
            for key, value in schema.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [_without_titles(value) for value in schema]
    return schema
