"""How the local offline model matches words: a user's words against tools and records.

Crude on purpose, and deterministic: lower-case words, a few stop words left out, a small
English stem, and scores that count shared words and shared two-word phrases.
"""

from __future__ import annotations

import itertools
import re

from agent_core.llm.types import ToolSpec

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "can",
        "do",
        "does",
        "for",
        "from",
        "get",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "show",
        "the",
        "to",
        "use",
        "what",
        "who",
        "with",
        "you",
    ]
)


def best_tool(question: str, tools: tuple[ToolSpec, ...]) -> ToolSpec | None:
    """The callable-without-arguments read-only tool that best matches ``question``.

    Its name named outright wins; then shared phrases (two words in a row) with its description,
    then shared words with its name, then with its description.
    """
    best: tuple[int, ToolSpec] | None = None
    for spec in tools:
        if not spec.read_only or spec.input_schema.get("required"):
            continue
        score = tool_score(question, spec)
        if score > 0 and (best is None or score > best[0]):
            best = (score, spec)
    return best[1] if best else None


def tool_score(question: str, spec: ToolSpec) -> int:
    """How well ``question`` matches a tool: by its name, then its description (0: not at all)."""
    asked, asked_pairs = words(question), _pairs(question)
    name = spec.name.replace("_", " ")
    score = 20 * (spec.name.lower() in question.lower())
    score += 5 * len(asked_pairs & (_pairs(spec.description) | _pairs(name)))
    score += 3 * len(asked & words(name)) + len(asked & words(spec.description))
    return score


def words(text: str) -> set[str]:
    """The stemmed words of ``text`` that carry meaning (no stop words)."""
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP_WORDS}


def _pairs(text: str) -> set[tuple[str, str]]:
    found = [_stem(word) for word in _WORD.findall(text.lower())]
    return {pair for pair in itertools.pairwise(found) if not set(pair) <= _STOP_WORDS}


def _stem(word: str) -> str:
    """A crude English stem, enough for "reordering" to meet "reorder" and "alerts" "alert"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
