"""A fetched page as text a model reads well: Markdown for HTML, text as is, JSON pretty-printed.

HTML is the costly case: parsing and converting 1 MB takes seconds. So scripts, styles and
comments are cut out before parsing, a growing prefix of the document is parsed until it holds
as much text as the model will read, and only that much is converted to Markdown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from markdownify import MarkdownConverter

from agent_core.tools.web.decoding import decoded_body
from agent_core.tools.web.fetch import Page

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Never content: code, styling, embedded objects, and the page's navigation chrome.
NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "nav",
    "form",
    "button",
    "select",
    "input",
    "textarea",
)
# One left-to-right pass, so a comment that mentions <script> is removed as a comment; an
# unclosed element runs to the end, which keeps the pattern linear.
_RAW_NOISE = re.compile(
    r"<!--.*?(?:-->|\Z)|<script\b.*?(?:</script\s*>|\Z)|<style\b.*?(?:</style\s*>|\Z)", re.S | re.I
)
FIRST_PARSE_CHARS = 200_000  # then four times as much, until the text is long enough or all is parsed
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


@dataclass(frozen=True)
class Readable:
    title: str | None
    text: str
    complete: bool  # False when the document was cut before conversion: it goes on past ``text``


def is_readable(media_type: str) -> bool:
    """Whether :func:`readable_text` can turn a page of this media type into text."""
    return media_type in HTML_TYPES or media_type.startswith("text/") or _is_json(media_type)


def readable_text(page: Page, max_chars: int) -> Readable:
    """The page's title (HTML only) and content as text: at least ``max_chars`` of it, if it has that many."""
    if page.media_type in HTML_TYPES:
        return _html_to_markdown(page, max_chars)
    if _is_json(page.media_type) and not page.truncated:
        try:
            return Readable(None, json.dumps(json.loads(page.body), indent=2, ensure_ascii=False), True)
        except ValueError:
            pass  # not JSON after all: show it as it is
    return Readable(None, decoded_body(page, html=False), True)


def _html_to_markdown(page: Page, max_chars: int) -> Readable:
    html = _RAW_NOISE.sub("", decoded_body(page, html=True))
    title = None
    size = FIRST_PARSE_CHARS
    while True:
        soup = BeautifulSoup(html[:size], "html.parser")
        title = title or (soup.title.get_text(" ", strip=True) if soup.title else None)
        for tag in soup(NOISE_TAGS):
            tag.decompose()
        if soup.head:
            soup.head.decompose()
        root = soup.body or soup
        complete = not _keep_first_text(root, max_chars)  # Markdown is at least as long as the text
        if not complete or size >= len(html):
            break
        size *= 4
    converter = MarkdownConverter(heading_style="ATX", bullets="-", strip=["img"], escape_misc=False)
    markdown = _BLANK_LINES.sub("\n\n", converter.convert_soup(root)).strip()
    return Readable(title or None, markdown, complete)


def _keep_first_text(root: Tag, budget: int) -> bool:
    """Whether ``root`` holds more than ``budget`` characters of text; if so, drop what follows them."""
    seen = 0
    for node in root.descendants:
        if type(node) is NavigableString:  # not comments or doctypes, which are subclasses
            seen += len(node.strip())
            if seen > budget:
                _drop_everything_after(node, root)
                return True
    return False


def _drop_everything_after(node: NavigableString, root: Tag) -> None:
    current: Tag | NavigableString | None = node
    while current is not None and current is not root:
        for sibling in list(current.next_siblings):
            sibling.extract()
        current = current.parent


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
