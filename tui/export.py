"""A conversation as Markdown, formatted as `tome history --format markdown` formats answers
(reader/cli/export.py, which the TUI may not import: the command line stands above it): a heading
per question, the answer, then numbered citations with the document's title, the page number and
the quote."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.core.types import Citation, Episode

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def iso(timestamp: float) -> str:
    """An ISO-8601 time in UTC, to the second."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def citation_line(number: int, citation: Citation) -> str:
    where = f"page {citation.page_number}" if citation.page_number else citation.page
    if citation.title:
        where = f"*{citation.title}*, {where}"
    quote = " ".join(citation.quote.split())
    return f"{number}. {where}: “{quote}”"


def answer_markdown(
    question: str, answer: str, citations: list[Citation], when: float | None = None
) -> str:
    lines = [f"## {' '.join(question.split())}", ""]
    if when is not None:
        lines += [f"*{iso(when)}*", ""]
    lines.append(answer.strip())
    if citations:
        lines.append("")
        lines += [citation_line(i, c) for i, c in enumerate(citations, 1)]
    return "\n".join(lines) + "\n"


def conversation_markdown(conversation: str, episodes: list[Episode], title: str = "") -> str:
    """The whole conversation: a title (the given one, else the first question), then each
    exchange as `answer_markdown` writes it, oldest first."""
    first = episodes[0].question if episodes else conversation
    heading = " ".join((title or first).split())
    parts = [f"# {heading}\n\n*conversation {conversation}*\n"]
    parts += [answer_markdown(e.question, e.answer, e.citations, e.time) for e in episodes]
    return "\n".join(parts)


def export_path(data_dir: Path, conversation: str) -> Path:
    """Where a conversation is exported: `<data dir>/exports/<conversation>.md`."""
    name = UNSAFE.sub("_", conversation).strip("._") or "conversation"
    return data_dir / "exports" / f"{name}.md"
