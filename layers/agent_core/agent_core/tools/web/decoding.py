"""A page's bytes as text: the charset it declares, else UTF-8, else a guess.

A page cut at the byte cap may end in the middle of a character; that is not a reason to
doubt its encoding, so only an error before the last few bytes sends the body to detection.
"""

from __future__ import annotations

from bs4 import UnicodeDammit
from bs4.dammit import EncodingDetector

from agent_core.tools.web.fetch import Page

_LONGEST_UTF8_CHARACTER = 4


def decoded_body(page: Page, *, html: bool) -> str:
    """The body as text, bad bytes replaced rather than fatal."""
    declared = page.charset or (
        EncodingDetector.find_declared_encoding(page.body, is_html=True) if html else None
    )
    if declared:
        try:
            return page.body.decode(declared, errors="replace")
        except LookupError:
            pass  # a charset Python does not know: decide as if none were declared
    try:
        return page.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if page.truncated and exc.start >= len(page.body) - _LONGEST_UTF8_CHARACTER:
            return page.body.decode("utf-8", errors="replace")
    guess = UnicodeDammit(page.body, is_html=html).unicode_markup
    return guess if guess is not None else page.body.decode("utf-8", errors="replace")
