"""What kind of question this is, read from its words without a model: the router and the
strategies use these to choose how and where to read."""

from __future__ import annotations

import re

_WHOLE = re.compile(
    r"\b(summari[sz]e|summary|overall|overview|theme|themes|throughout|whole (book|document|"
    r"story|text)|entire|main (idea|point|argument|events)|plot|arc|how does .{1,60}\b(change|"
    r"develop|evolve|grow)|in general|across the)\b",
    re.IGNORECASE,
)
_OPTION = re.compile(r"(?:^|\s|\()([A-D])(?:[).:]|\s*-)\s*\S", re.MULTILINE)
_BOOK_ITSELF = re.compile(
    r"\b(publish\w*|publisher|copyright|edition|printed|isbn|dedicat\w*|epigraph|transcri\w*"
    r"|illustrat\w*|translat\w*|table of contents|who wrote|author of)\b",
    re.IGNORECASE,
)
_THE_END = re.compile(
    r"\b(at the end|in the end|ending|ends?\b|finally|final|last (chapter|scene|page|part|line)"
    r"|conclu\w+|eventually|ultimately|becomes? of)\b",
    re.IGNORECASE,
)


def is_multiple_choice(question: str) -> bool:
    letters = {m.group(1) for m in _OPTION.finditer(question)}
    return {"A", "B", "C"} <= letters


def is_whole_document(question: str) -> bool:
    return bool(_WHOLE.search(question))


def is_about_the_book(question: str) -> bool:
    """A question about the book itself (who published it, its edition): front matter counts."""
    return bool(_BOOK_ITSELF.search(question))


def is_about_the_end(question: str) -> bool:
    """A question about how things end: the last pages hold the answer."""
    return bool(_THE_END.search(question))
