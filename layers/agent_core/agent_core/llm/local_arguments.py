"""How the local offline model fills a tool's arguments, from its JSON schema.

It reads what the user's message names outright (:class:`Mentions`: quoted text, emails, dates,
ids such as ``T-12``, URLs) and gives each property the mention of its kind, judged from the
property's name, format, pattern and description. An id the message does not give may come from
records an earlier tool returned, matched by name against the user's words (:func:`match_record`).
Nothing is guessed: a required property it cannot fill stays missing.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from agent_core.llm.local_words import words

Kind = Literal["email", "date", "url", "id", "choice", "text"]

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<![\w'])'([^']+)'(?![\w'])")
_EMAIL = re.compile(r"[^@\s\"'<>(),;]+@[^@\s\"'<>(),;]+\.[A-Za-z]{2,}")
_URL = re.compile(r"https?://[^\s\"'<>]+")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_ID = re.compile(r"\b([A-Za-z]{1,8})-(\d+)\b")
_EXAMPLE_ID = re.compile(r"\be\.g\.\s*([A-Za-z]{1,8})-\d+")


@dataclass(frozen=True)
class Mentions:
    """What a message names outright, in order, and its other words (for matching tools and records)."""

    quoted: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    rest: str = ""


def mentions(text: str) -> Mentions:
    """Take quoted text, URLs, emails, dates and ids out of ``text``, each in its own list."""
    quoted = tuple(next(g for g in match.groups() if g) for match in _QUOTED.finditer(text))
    rest = _QUOTED.sub(" ", text)
    urls = tuple(match.rstrip(".,;:!?)") for match in _URL.findall(rest))
    rest = _URL.sub(" ", rest)
    emails = tuple(_EMAIL.findall(rest))
    rest = _EMAIL.sub(" ", rest)
    dates = tuple(_DATE.findall(rest))
    rest = _DATE.sub(" ", rest)
    ids = tuple(f"{letters}-{digits}" for letters, digits in _ID.findall(rest))
    rest = _ID.sub(" ", rest)
    return Mentions(quoted, emails, urls, dates, ids, " ".join(rest.split()))


@dataclass(frozen=True)
class Property:
    """One property of a tool's input schema, as the local model reads it."""

    name: str
    kind: Kind | None
    required: bool
    description: str = ""
    pattern: str | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()

    def accepts(self, value: str) -> bool:
        if self.max_length is not None and len(value) > self.max_length:
            return False
        return self.pattern is None or re.search(self.pattern, value) is not None

    def id_from(self, ids: tuple[str, ...]) -> str | None:
        """The mentioned id that fits this property: the prefix of the description's example
        ("e.g. p-101") if it gives one (in the example's case), else the only id mentioned."""
        example = _EXAMPLE_ID.search(self.description)
        if example is None:
            return ids[0] if len(ids) == 1 else None
        prefix = example[1]
        for mentioned in ids:
            letters, _, digits = mentioned.partition("-")
            if letters.lower() == prefix.lower():
                return f"{prefix}-{digits}"
        return None


def properties(schema: dict[str, Any]) -> list[Property]:
    """The schema's properties, required ones first (each group in the schema's order)."""
    required = set(schema.get("required", ()))
    found = [_property(name, raw, name in required) for name, raw in schema.get("properties", {}).items()]
    return sorted(found, key=lambda p: not p.required)


@dataclass
class Filled:
    """A tool's arguments as far as they could be filled, and the required properties still missing."""

    arguments: dict[str, Any] = field(default_factory=dict)
    missing: list[Property] = field(default_factory=list)
    from_message: int = 0  # how many required properties the message itself filled


def fill(schema: dict[str, Any], said: Mentions, known: dict[str, str] | None = None) -> Filled:
    """Fill ``schema``'s properties from the message; ``known`` gives values found elsewhere, by name."""
    filled = Filled()
    quoted = list(said.quoted)
    for prop in properties(schema):
        value = _value(prop, said, quoted)
        direct = value is not None
        if value is None and known:
            value = known.get(prop.name)
        if value is not None and prop.accepts(value):
            filled.arguments[prop.name] = value
            filled.from_message += int(direct and prop.required)
            if prop.kind == "text" and value in quoted:
                quoted.remove(value)
        elif prop.required:
            filled.missing.append(prop)
    return filled


def match_record(records: Any, text: str, ignore: set[str]) -> dict[str, Any] | None:
    """The one record (an object with an ``id``) whose name or title shares most words with ``text``.

    ``ignore`` are words that say what is asked (``create``, ``task``), not which record. ``None``
    when no record shares a word, or two share the most.
    """
    if not isinstance(records, list):
        return None
    asked = words(text) - ignore
    scored = []
    for record in records:
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            label = f"{record.get('name') or ''} {record.get('title') or ''}"
            scored.append((len(asked & words(label)), record))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    best: dict[str, Any] = scored[0][1]
    return best


def _property(name: str, raw: dict[str, Any], required: bool) -> Property:
    variants = [v for v in raw.get("anyOf", [raw]) if isinstance(v, dict) and v.get("type") != "null"]
    schema = variants[0] if len(variants) == 1 else raw
    description = " ".join(filter(None, (raw.get("description"), schema.get("description"))))
    return Property(
        name=name,
        kind=_kind(name, schema) if schema.get("type") == "string" else None,
        required=required,
        description=description,
        pattern=schema.get("pattern"),
        max_length=schema.get("maxLength"),
        choices=tuple(str(choice) for choice in schema.get("enum", ())),
    )


def _kind(name: str, schema: dict[str, Any]) -> Kind:
    pattern = schema.get("pattern") or ""
    if schema.get("enum"):
        return "choice"
    if "email" in name or schema.get("format") == "email" or "@" in pattern:
        return "email"
    if schema.get("format") in ("date", "date-time") or name.endswith("date"):
        return "date"
    if "url" in name or schema.get("format") in ("uri", "url"):
        return "url"
    if name == "id" or name.endswith("_id"):
        return "id"
    return "text"


def _value(prop: Property, said: Mentions, quoted: list[str]) -> str | None:
    match prop.kind:
        case "email":
            return said.emails[0] if said.emails else None
        case "date":
            return said.dates[0] if said.dates else None
        case "url":
            return said.urls[0] if said.urls else None
        case "id":
            return prop.id_from(said.ids)
        case "choice":
            asked = {word.replace(" ", "_") for word in _phrases(said.rest)}
            return next((choice for choice in prop.choices if choice.lower() in asked), None)
        case "text":  # quoted text, in order: the first to the first text property (a title, a query)
            return quoted[0] if quoted else None
        case _:
            return None


def _phrases(text: str) -> set[str]:
    """Single words and two-word phrases of ``text``, lower-cased ("on hold" as well as "hold")."""
    found = re.findall(r"[a-z0-9_]+", text.lower())
    return set(found) | {f"{a} {b}" for a, b in itertools.pairwise(found)}
