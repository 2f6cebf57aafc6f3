"""What a model's tokens cost: one table, in USD per million tokens, by model.

Anthropic's list prices for the Claude API, November 2026, from its pricing page
(platform.claude.com/docs/en/about-claude/pricing, "Model pricing") and each model's overview
(platform.claude.com/docs/en/models/<model>/overview, "Pricing"). A response reports four kinds of
tokens, each billed at its own price: uncached input, 5-minute cache writes (the only cache this
runtime asks for), cache reads, and output. Thinking is billed as output and is already counted in
``output_tokens`` (platform.claude.com/docs/en/build-with-claude/context-windows), so it is never
priced twice.

Cache writes cost 1.25× input and cache reads 0.1× input on most models, but not all: Fable 5.1
reads at 0.025×, and Opus 5.5 and Sonnet 5.5 at 0.05× (Sonnet 5.5's reads dropped from $0.20 to
$0.10 on 2026-10-07). So every price is written out rather than derived. Haiku 5.5 is priced by
prompt length: a request whose prompt (input, cache reads and cache writes) is over 100,000 tokens
pays its higher prices on every token, output included. Bedrock's own prices may differ.

A model this table does not know is priced as the dearest one here, so that a budget is never
under-counted; the offline ``local`` model costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from agent_core.llm.claude_models import family
from agent_core.llm.types import Usage
from agent_core.observability import logger

NANOS_PER_USD = 1_000_000_000
_NANOS_PER_TOKEN_PER_USD_PER_MTOK = NANOS_PER_USD // 1_000_000  # $1 / MTok is 1,000 nano-USD a token


@dataclass(frozen=True)
class Price:
    """USD per million tokens of each kind a response reports."""

    input: Decimal
    cache_write: Decimal  # 5-minute cache writes
    cache_read: Decimal
    output: Decimal  # thinking included

    def nanos(self, usage: Usage) -> int:
        """What ``usage`` costs, in nano-USD (exact: every price here is a whole number of them)."""
        per_token = sum(
            (
                self.input * usage.input_tokens,
                self.cache_write * usage.cache_creation_input_tokens,
                self.cache_read * usage.cache_read_input_tokens,
                self.output * usage.output_tokens,
            ),
            Decimal(0),
        )
        return int(per_token * _NANOS_PER_TOKEN_PER_USD_PER_MTOK)


@dataclass(frozen=True)
class ByPromptLength:
    """Prices that depend on the request's prompt: ``long`` once it is over ``threshold`` tokens."""

    short: Price
    long: Price
    threshold: int

    def nanos(self, usage: Usage) -> int:
        prompt = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens
        return (self.long if prompt > self.threshold else self.short).nanos(usage)


def _usd(input: str, cache_write: str, cache_read: str, output: str) -> Price:
    return Price(Decimal(input), Decimal(cache_write), Decimal(cache_read), Decimal(output))


# Model id (without a date or a Bedrock prefix) → its prices: input, 5-min cache write, cache
# read, output. The one price table of the runtime.
PRICES: dict[str, Price | ByPromptLength] = {
    "claude-fable-5-2": _usd("8", "10", "0.20", "40"),
    "claude-fable-5-1": _usd("10", "12.50", "0.25", "50"),
    "claude-opus-5-5": _usd("4", "5", "0.20", "20"),
    "claude-opus-5": _usd("5", "6.25", "0.50", "25"),
    "claude-opus-4-8": _usd("5", "6.25", "0.50", "25"),
    "claude-sonnet-5-5": _usd("2", "2.50", "0.10", "10"),
    "claude-sonnet-5": _usd("2", "2.50", "0.20", "10"),
    "claude-haiku-5-5": ByPromptLength(
        short=_usd("0.10", "0.125", "0.01", "0.50"),
        long=_usd("0.50", "0.625", "0.05", "2.50"),
        threshold=100_000,
    ),
    "claude-haiku-4-5": _usd("1", "1.25", "0.10", "5"),
    "local": _usd("0", "0", "0", "0"),
}
_DEAREST = max(
    (price.long if isinstance(price, ByPromptLength) else price for price in PRICES.values()),
    key=lambda price: price.output,
)
_warned: set[str] = set()


def price_of(model: str) -> Price | ByPromptLength | None:
    """The prices of ``model`` (an API id, a dated one, or a Bedrock id or profile), or None."""
    name = family(model)
    known = [
        known for known in PRICES if name == known or (name.startswith(known) and name[len(known)] in "-@:[")
    ]
    # The longest match: "claude-sonnet-5-5-…" is Sonnet 5.5, not Sonnet 5.
    return PRICES[max(known, key=len)] if known else None


def cost_nanos(model: str, usage: Usage) -> int:
    """What one model request of ``model`` that reported ``usage`` costs, in nano-USD."""
    price = price_of(model)
    if price is None:
        if model not in _warned:
            _warned.add(model)
            logger.warning("no price for this model: priced as the dearest one", extra={"model": model})
        price = _DEAREST
    return price.nanos(usage)
