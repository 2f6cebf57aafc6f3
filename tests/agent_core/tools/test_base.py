"""The JSON schema a model sees comes from a tool's typed parameters and docstring."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from agent_core import RunContext, Tenant, ToolError, tool
from agent_core.tools.base import MAX_RESULT_CHARS
from agent_core.tools.tenant_info import tenant_info
from tests.support.context import run_context


class Level(BaseModel):
    product: str
    quantity: float


@tool(read_only=True)
async def get_stock_levels(
    ctx: RunContext,
    location: Annotated[str, Field(description="Warehouse location code, e.g. WH/Stock.")],
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    unit: Literal["units", "kg"] = "units",
    product_ids: list[int] | None = None,
) -> list[Level]:
    """On-hand quantity by product for one location."""
    return [Level(product=f"{ctx.tenant.tenant_id}:{location}", quantity=limit)]


def context() -> RunContext:
    return run_context(
        Tenant(tenant_id="acme", name="Acme Corporation", plan="enterprise"), caller_id="alice"
    )


def test_the_schema_is_derived_from_the_signature() -> None:
    spec = get_stock_levels.spec
    assert spec.name == "get_stock_levels"
    assert spec.description == "On-hand quantity by product for one location."
    schema = spec.input_schema
    assert schema["type"] == "object"
    assert schema["required"] == ["location"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["location"] == {"type": "string", "description": "Warehouse location code, e.g. WH/Stock."}
    assert props["limit"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert props["unit"]["enum"] == ["units", "kg"]
    assert props["product_ids"]["anyOf"][0] == {"type": "array", "items": {"type": "integer"}}
    assert "ctx" not in props
    assert "title" not in repr(schema)


def test_no_tool_schema_exposes_a_tenant_id() -> None:
    assert "tenant" not in repr(tenant_info.spec.input_schema)
    assert tenant_info.spec.input_schema["properties"] == {}


@pytest.mark.anyio
async def test_invoking_validates_arguments_and_renders_compact_json() -> None:
    result = await get_stock_levels.invoke(context(), {"location": "WH/Stock", "limit": "3"})
    assert result == '[{"product":"acme:WH/Stock","quantity":3.0}]'


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({}, "location: Field required"),
        ({"location": "x", "limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"location": "x", "tenant_id": "globex"}, "tenant_id: Extra inputs are not permitted"),
    ],
)
async def test_bad_arguments_come_back_as_a_tool_error_the_model_can_read(
    arguments: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ToolError) as failure:
        await get_stock_levels.invoke(context(), arguments)
    assert problem in failure.value.message
    assert failure.value.message.startswith("invalid arguments for get_stock_levels")


@pytest.mark.anyio
async def test_huge_results_are_capped() -> None:
    @tool
    async def dump(ctx: RunContext) -> str:
        """Return a lot."""
        return "x" * (MAX_RESULT_CHARS + 10)

    result = await dump.invoke(context(), {})
    assert len(result) < MAX_RESULT_CHARS + 100
    assert result.endswith(f"[truncated: {MAX_RESULT_CHARS + 10} characters in all]")


def test_a_tool_without_a_docstring_or_context_is_refused() -> None:
    async def undocumented(ctx: RunContext) -> str:
        return ""

    async def no_context(x: int) -> str:
        """Doc."""
        return ""

    with pytest.raises(TypeError, match="docstring"):
        tool(undocumented)
    with pytest.raises(TypeError, match="ctx: RunContext"):
        tool(no_context)


@pytest.mark.anyio
async def test_tenant_info_answers_from_the_run_context_only() -> None:
    result = await tenant_info.invoke(context(), {})
    assert result == (
        '{"tenant_id":"acme","tenant_name":"Acme Corporation","plan":"enterprise",'
        '"caller_id":"alice","enabled_agents":["general"]}'
    )
