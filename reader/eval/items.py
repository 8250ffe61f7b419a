"""One evaluation question and how its answer is scored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["choice", "boolean", "free", "needle", "fact", "two-hop"]
PLANTED_KINDS = ("fact", "two-hop")  # the facts suite: the answer is planted in the document


@dataclass
class EvalItem:
    id: str  # stable across runs: dataset, document and question number
    dataset: str
    kind: Kind
    question: str  # as asked, with any answer-format instruction
    references: list[str]  # gold answers (choice: the letter; boolean: "True"/"False")
    document: Path  # the file to ingest and ask about
    options: dict[str, str] = field(default_factory=dict)  # choice: letter -> option text
    # facts suite: [start, end) of each planted sentence in the document's text, and its depth
    spans: list[tuple[int, int]] = field(default_factory=list)
    depths: list[float] = field(default_factory=list)
    title: str = ""  # the book's title, where the judge's prompt names it (LiteraryQA)


def write_document(path: Path, text: str) -> Path:
    """Write a generated or extracted document once; an unchanged file is left as it is, so it
    keeps its identity in memory and is not ingested again."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path
