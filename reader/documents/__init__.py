"""Loading documents (txt, md, html, epub, pdf) into normalised text with chapters, and cutting
them into token-bounded pages."""

from __future__ import annotations

from pathlib import Path

from reader.core.types import Document

# Imported eagerly: a lazy `from .paginate import ...` would rebind the package attribute
# `paginate` to the submodule, shadowing the function for later `from reader.documents import`.
from .matter import mark_matter
from .paginate import paginate

__all__ = ["FORMATS", "load_document", "paginate"]

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".epub": "epub",
    ".pdf": "pdf",
}


def load_document(path: str | Path) -> Document:
    """Read a document file; raise DocumentError with a one-line message when it cannot be read."""
    from .text import file_error, read_source

    p = Path(path).expanduser()
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None and p.exists() and not p.is_dir():
        supported = ", ".join(sorted(FORMATS))
        raise file_error(
            p, f"unsupported file type {p.suffix or '(none)'!r}; supported: {supported}"
        )
    p, data = read_source(p)
    return mark_matter(_load(fmt, p, data))


def _load(fmt: str | None, p: Path, data: bytes) -> Document:
    if fmt == "txt":
        from .text import load_text

        return load_text(p, data)
    if fmt == "md":
        from .markdown import load_markdown

        return load_markdown(p, data)
    if fmt == "html":
        from .html import load_html

        return load_html(p, data)
    if fmt == "epub":
        from .epub import load_epub

        return load_epub(p, data)
    from .pdf import load_pdf

    return load_pdf(p, data)
