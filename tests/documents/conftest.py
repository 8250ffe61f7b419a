"""Small documents of every format, written with the libraries themselves."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from reader.core.settings import PageSettings

_SENTENCE = (
    "the river ran past the mill and the miller watched it with a patient eye while his daughter "
    "counted sacks of grain beside the old stone wall under a grey autumn sky that promised rain"
)
_WORDS = _SENTENCE.split()


def prose(paragraphs: int, seed: int = 0, sentences: int = 5) -> str:
    """Deterministic paragraphs of plain ASCII sentences, separated by blank lines."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sent = []
        for _ in range(sentences):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
            sent.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sent))
    return "\n\n".join(out)


@pytest.fixture
def small_pages() -> PageSettings:
    return PageSettings(target_tokens=100, max_tokens=140, min_chapter_tokens=30)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode(encoding)
        path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def make_epub(tmp_path: Path) -> Callable[..., Path]:
    def _make(
        chapters: list[tuple[str, str]],
        toc: bool = True,
        toc_titles: list[str] | None = None,
        name: str = "book.epub",
    ) -> Path:
        from ebooklib import epub

        book = epub.EpubBook()
        book.set_identifier("tome-test-book")
        book.set_title("The Test Book")
        book.set_language("en")
        book.add_author("Jane Doe")
        items = []
        for i, (title, body) in enumerate(chapters, 1):
            item = epub.EpubHtml(title=title, file_name=f"text/chap_{i:02d}.xhtml", lang="en")
            paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            item.content = f"<html><body><h2>{title}</h2>{paras}</body></html>"
            book.add_item(item)
            items.append(item)
        if toc:
            titles = toc_titles or [t for t, _ in chapters]
            book.toc = [
                epub.Link(item.file_name, title, f"c{i}")
                for i, (item, title) in enumerate(zip(items, titles, strict=True))
            ]
        book.add_item(epub.EpubNcx())
        book.add_item(epub.EpubNav())
        book.spine = ["nav", *items]
        path = tmp_path / name
        epub.write_epub(str(path), book)
        return path

    return _make


@pytest.fixture
def make_pdf(tmp_path: Path) -> Callable[..., Path]:
    def _make(
        chapters: list[tuple[str, str]],
        outline: bool = True,
        outline_titles: list[str] | None = None,
        name: str = "doc.pdf",
    ) -> Path:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.set_title("A Test Report")
        pdf.set_author("John Roe")
        pdf.set_font("Helvetica", size=11)
        marks = outline_titles or [t for t, _ in chapters]
        for (title, body), mark in zip(chapters, marks, strict=True):
            pdf.add_page()
            if outline:
                pdf.start_section(mark, level=0)
            pdf.set_font("Helvetica", style="B", size=14)
            pdf.multi_cell(0, 8, title)
            pdf.ln(4)
            pdf.set_font("Helvetica", size=11)
            for para in body.split("\n\n"):
                pdf.multi_cell(0, 6, para)
                pdf.ln(3)
        path = tmp_path / name
        pdf.output(str(path))
        return path

    return _make
