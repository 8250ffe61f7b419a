"""Answers as Markdown, for the command line and the TUI alike: the question as a heading,
the answer, numbered citations with the document's title, the page number and the quote; and
the summary tree as Mermaid or DOT."""

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


def _label(node: dict, width: int = 60) -> str:
    level = "page" if node["level"] == 0 else f"L{node['level']}"
    summary = " ".join(node["summary"].split())
    text = summary if len(summary) <= width else summary[: width - 1] + "…"
    return f"{level}: {text}".replace('"', "'")


def _edges(node: dict, down_to: int) -> list[tuple[dict, dict]]:
    edges = []
    for child in node.get("children", []):
        if child["level"] >= down_to:
            edges.append((node, child))
            edges += _edges(child, down_to)
    return edges


def tree_mermaid(tree: dict, down_to: int = 1) -> str:
    """The summary tree as a Mermaid flowchart, from the root down to level `down_to`."""
    lines = ["flowchart TD", f'  {_key(tree)}["{_label(tree)}"]']
    for parent, child in _edges(tree, down_to):
        lines.append(f'  {_key(child)}["{_label(child)}"]')
        lines.append(f"  {_key(parent)} --> {_key(child)}")
    return "\n".join(lines) + "\n"


def tree_dot(tree: dict, down_to: int = 1) -> str:
    """The summary tree as a Graphviz DOT digraph, from the root down to level `down_to`."""
    lines = ["digraph tree {", "  node [shape=box, fontsize=10];"]
    lines.append(f'  {_key(tree)} [label="{_label(tree)}"];')
    for parent, child in _edges(tree, down_to):
        lines.append(f'  {_key(child)} [label="{_label(child)}"];')
        lines.append(f"  {_key(parent)} -> {_key(child)};")
    return "\n".join(lines) + "\n}\n"


def _key(node: dict) -> str:
    return "n_" + "".join(ch if ch.isalnum() else "_" for ch in node["id"])
