"""Project Gutenberg boilerplate: find the body between the START and END markers, drop the
producer credits, and read the title and author from the header."""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = re.compile(
    r"^\*{3} ?START OF (?:THIS|THE) PROJECT GUTENBERG[^\n]*(?:\n\*+ *$)?"
    r"|^\*END\*THE SMALL PRINT[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^\*{3} ?END OF (?:THIS|THE) PROJECT GUTENBERG"
    r"|^End of (?:the )?Project Gutenberg"
    r"|^End of this Project Gutenberg",
    re.IGNORECASE | re.MULTILINE,
)
_CREDITS = re.compile(
    r"(?:Produced by|E-?text prepared by|This e-?(?:text|book) was (?:produced|prepared)"
    r"|Transcribed from)\b",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^(Title|Author): *(\S[^\n]*)$", re.MULTILINE)
_CONTINUATION = re.compile(r"\n(?![A-Za-z][\w ]{0,30}:)([^\n]+)")


@dataclass(frozen=True)
class Body:
    start: int
    end: int
    title: str | None = None
    author: str | None = None


def strip_gutenberg(text: str) -> Body:
    """The span of `text` that is the book itself, and the header's title and author.

    Text without Project Gutenberg markers comes back whole."""
    start_match = _START.search(text, 0, 50_000)
    if start_match is None:
        end_match = _END.search(text)
        if end_match is None or "gutenberg" not in text[:5000].lower():
            return Body(0, len(text))
        return Body(0, end_match.start(), *_header(text[: min(len(text), 5000)]))
    start = start_match.end()
    end_match = _END.search(text, start)
    end = end_match.start() if end_match else len(text)
    start = _skip_credits(text, start, end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Body(start, end, *_header(text[: start_match.start()]))


def _skip_credits(text: str, start: int, end: int) -> int:
    """Skip up to three leading paragraphs that credit the e-text's producers."""
    for _ in range(3):
        while start < end and text[start].isspace():
            start += 1
        if not _CREDITS.match(text, start, end):
            break
        nxt = text.find("\n\n", start, end)
        start = end if nxt < 0 else nxt
    return start


def _header(head: str) -> tuple[str | None, str | None]:
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(head):
        key = match.group(1).lower()
        if key in fields:
            continue
        value = match.group(2).strip()
        # A long title continues on the following lines until a blank line or another field.
        pos = match.end()
        while cont := _CONTINUATION.match(head, pos):
            value += " " + cont.group(1).strip()
            pos = cont.end()
        fields[key] = " ".join(value.split())
    return fields.get("title"), fields.get("author")
