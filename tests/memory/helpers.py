"""Builders shared by the memory tests (importable from subprocesses, unlike conftest)."""

from __future__ import annotations

from reader.core.types import Chapter, Document, Page


def make_document(
    doc_id: str, title: str, page_texts: list[str], author: str | None = None
) -> tuple[Document, list[Page]]:
    """A document whose text is the page texts joined by blank lines, one page each."""
    pages: list[Page] = []
    parts: list[str] = []
    offset = 0
    for ordinal, text in enumerate(page_texts):
        if parts:
            parts.append("\n\n")
            offset += 2
        pages.append(
            Page(
                id=f"{doc_id}-p{ordinal}",
                document=doc_id,
                chapter=0,
                ordinal=ordinal,
                start=offset,
                end=offset + len(text),
                tokens=max(1, len(text.split())),
                text=text,
            )
        )
        parts.append(text)
        offset += len(text)
    full = "".join(parts)
    doc = Document(
        id=doc_id,
        title=title,
        author=author,
        format="txt",
        source=f"/books/{title}.txt",
        text=full,
        chapters=[Chapter(title="One", start=0, end=len(full))],
    )
    for page in pages:
        assert full[page.start : page.end] == page.text
    return doc, pages
