"""A conversation as Markdown, each answer as `tome history --format markdown` writes it
(reader/export.py): a heading per question, the answer, then numbered citations with the
document's title, the page number and the quote."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from reader.export import answer_markdown

if TYPE_CHECKING:
    from reader.core.types import Episode

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
