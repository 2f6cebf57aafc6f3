"""The price table: what a known usage costs on each model family, in nano-USD (1e-9 USD)."""

from __future__ import annotations

import pytest

from agent_core.llm.prices import NANOS_PER_USD, cost_nanos, price_of
from agent_core.llm.types import Usage

# One million tokens of each kind, so each term of the sum is the price per MTok itself.
MILLION_EACH = Usage(
    input_tokens=1_000_000,
    output_tokens=1_000_000,
    cache_creation_input_tokens=1_000_000,
    cache_read_input_tokens=1_000_000,
)


def usd(value: str) -> int:
    whole, _, cents = value.partition(".")
    return int(whole) * NANOS_PER_USD + int((cents + "000000000")[:9])


@pytest.mark.parametrize(
    ("model", "input", "cache_write", "cache_read", "output"),
    [
        ("claude-fable-5-2", "8", "10", "0.20", "40"),
        ("claude-fable-5-1", "10", "12.50", "0.25", "50"),
        ("claude-opus-5-5", "4", "5", "0.20", "20"),
        ("claude-opus-5", "5", "6.25", "0.50", "25"),
        ("claude-opus-4-8", "5", "6.25", "0.50", "25"),
        ("claude-sonnet-5-5", "2", "2.50", "0.10", "10"),
        ("claude-sonnet-5", "2", "2.50", "0.20", "10"),
        ("claude-haiku-4-5", "1", "1.25", "0.10", "5"),
    ],
)
def test_each_kind_of_token_is_priced_apart(
    model: str, input: str, cache_write: str, cache_read: str, output: str
) -> None:
    for kind, price in (
        ("input_tokens", input),
        ("cache_creation_input_tokens", cache_write),
        ("cache_read_input_tokens", cache_read),
        ("output_tokens", output),
    ):
        assert cost_nanos(model, Usage(**{kind: 1_000_000})) == usd(price), (model, kind)


def test_a_sonnet_turn_costs_what_its_usage_says() -> None:
    # 1,200 tokens read from the cache, 300 new input, 250 written to the cache, 400 output (of
    # which 150 thinking, billed as output once): 1200*0.10 + 300*2 + 250*2.50 + 400*10 per MTok.
    usage = Usage(
        input_tokens=300,
        cache_read_input_tokens=1200,
        cache_creation_input_tokens=250,
        output_tokens=400,
        thinking_tokens=150,
    )
    assert cost_nanos("claude-sonnet-5-5", usage) == 120_000 + 600_000 + 625_000 + 4_000_000


def test_cache_writes_and_reads_follow_each_model_not_one_rule() -> None:
    # 1.25x input for a 5-minute write everywhere here; reads 0.1x, except where Anthropic cut them.
    for model in ("claude-opus-4-8", "claude-sonnet-5", "claude-haiku-4-5", "claude-fable-5-2"):
        price = price_of(model)
        assert price is not None and not hasattr(price, "short")
        assert price.cache_write == price.input * 125 / 100, model
    assert cost_nanos("claude-opus-5-5", Usage(cache_read_input_tokens=1_000_000)) == usd("0.20")  # 0.05x


def test_haiku_5_5_is_priced_by_the_length_of_each_prompt() -> None:
    short = Usage(input_tokens=40_000, cache_read_input_tokens=60_000, output_tokens=1_000)
    long = Usage(input_tokens=40_000, cache_read_input_tokens=60_001, output_tokens=1_000)

    # At 100,000 prompt tokens: $0.10 input, $0.01 cache read, $0.50 output per MTok.
    assert cost_nanos("claude-haiku-5-5", short) == 4_000_000 + 600_000 + 500_000
    # One token over: $0.50, $0.05 and $2.50, on every token of the request.
    assert cost_nanos("claude-haiku-5-5", long) == 20_000_000 + 3_000_050 + 2_500_000


@pytest.mark.parametrize(
    "model",
    [
        "claude-sonnet-5-5-20260915",
        "anthropic.claude-sonnet-5-5-v1:0",
        "us.anthropic.claude-sonnet-5-5-v1:0",
        "global.anthropic.claude-sonnet-5-5",
    ],
)
def test_dated_and_bedrock_ids_are_priced_as_their_model(model: str) -> None:
    assert price_of(model) == price_of("claude-sonnet-5-5")
    assert price_of("claude-sonnet-5-20260101") == price_of("claude-sonnet-5") != price_of(model)


def test_an_unknown_model_is_priced_as_the_dearest_and_the_local_model_is_free() -> None:
    assert price_of("claude-sonnet-9") is None
    assert cost_nanos("claude-sonnet-9", MILLION_EACH) == cost_nanos("claude-fable-5-1", MILLION_EACH)
    assert cost_nanos("local", MILLION_EACH) == 0
