"""PDF: the text layer page by page (pypdf); chapters from the outline (bookmarks) when there is
one, else from headings found in the text."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

from reader.core.types import Document

from .structure import Heading
from .text import TextBuilder, file_error, finish, normalise

_PAGE_NUMBER = re.compile(
    r"\A\s*(?:-\s*)?\d{1,4}(?:\s*-)?\s*\n|\n\s*(?:-\s*)?\d{1,4}(?:\s*-)?\s*\Z"
)
_FIX = "re-download or re-export it"


@contextmanager
def _quiet() -> Iterator[None]:
    """pypdf logs every recoverable oddity of a damaged file; the user gets one error instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reader(path: Path, data: bytes) -> Any:
    from pypdf import PdfReader

    if b"%PDF" not in data[:1024]:
        raise file_error(path, f"is not a valid PDF (no %PDF header); {_FIX}")
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:
        raise file_error(path, f"is not a valid PDF ({type(exc).__name__}: {exc}); {_FIX}") from exc
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # an unsupported cipher, or a missing crypto library
            opened = False
        if not opened:
            raise file_error(
                path, "is encrypted; decrypt it first (e.g. qpdf --decrypt) and try again"
            )
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise file_error(path, f"is not a valid PDF ({type(exc).__name__}: {exc}); {_FIX}") from exc
    if count == 0:
        raise file_error(path, f"has no pages; {_FIX}")
    return reader


def _page_text(page: Any) -> str:
    try:
        raw = page.extract_text() or ""
    except Exception:  # one damaged page should not lose the whole document
        return ""
    text = _PAGE_NUMBER.sub("", normalise(raw)).strip()
    return _paragraphs(text)


def _paragraphs(text: str) -> str:
    """The text layer has no paragraph breaks: end a paragraph after each line that is clearly
    shorter than the page's full lines (a paragraph's last line, a heading)."""
    lines = text.split("\n")
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 4:
        return text
    full = lengths[int(0.9 * (len(lengths) - 1))]
    out = [lines[0]]
    for prev, line in pairwise(lines):
        ends = prev.endswith((".", "!", "?", ":", '"', "”", "’", ")"))
        short = len(prev) < (0.85 if ends else 0.6) * full
        out.append("\n\n" if prev and line and short else "\n")
        out.append(line)
    return "".join(out)


def _outline(reader: Any) -> list[tuple[str, int, int]]:
    """(title, page index, level) for every bookmark that resolves to a page."""
    out: list[tuple[str, int, int]] = []

    def walk(items: Any, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and page is not None and page >= 0:
                out.append((title, page, level))

    try:
        walk(reader.outline, 1)
    except Exception:
        return []
    return out


def _meta(reader: Any) -> tuple[str | None, str | None]:
    try:
        meta = reader.metadata
        title, author = (meta.title, meta.author) if meta else (None, None)
    except Exception:
        return None, None
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", " ".join(str(title or "").split()))
    author = " ".join(str(author or "").split())
    if title.lower() in ("untitled", "") or title.lower().endswith((".doc", ".docx", ".tex")):
        title = ""
    return title or None, author or None


def load_pdf(path: Path, data: bytes) -> Document:
    with _quiet():
        reader = _reader(path, data)
        builder = TextBuilder()
        starts: list[int] = []
        try:
            for page in reader.pages:
                starts.append(builder.next_offset)
                builder.block(_page_text(page), keep_blank_lines=True)
        except Exception as exc:
            raise file_error(
                path, f"has pages that cannot be read ({type(exc).__name__}); {_FIX}"
            ) from exc
        outline = _outline(reader)
        title, author = _meta(reader)
    text = builder.build()
    if not text.strip():
        raise file_error(path, "has no text layer (scanned? run OCR first, e.g. ocrmypdf)")
    headings = _outline_headings(text, outline, starts) or None
    return finish(
        path=path, data=data, fmt="pdf", text=text, headings=headings, title=title, author=author
    )


def _outline_headings(
    text: str, outline: list[tuple[str, int, int]], starts: list[int]
) -> list[Heading]:
    """Place each bookmark at its title's line on its page, or at the top of the page."""
    headings: list[Heading] = []
    for title, page, level in outline:
        if page >= len(starts):
            continue
        lo = starts[page]
        hi = starts[page + 1] if page + 1 < len(starts) else len(text)
        if lo >= len(text):
            continue
        words = [re.escape(w) for w in title.split()]
        pattern = re.compile(r"^\W{0,3}" + r"\s+".join(words), re.IGNORECASE | re.MULTILINE)
        m = pattern.search(text, lo, hi)
        start, end = (m.start(), m.end()) if m else (lo, lo)
        headings.append(Heading(start, end, title, level))
    return headings
