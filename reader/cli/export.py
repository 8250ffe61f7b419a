"""Answers as Markdown: the question as a heading, the answer, numbered citations with the
document's title, the page number and the quote."""

from __future__ import annotations

from datetime import UTC, datetime

from reader.core.types import Citation


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
