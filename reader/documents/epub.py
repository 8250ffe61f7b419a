"""EPUB: spine documents in reading order; chapters from the table of contents, or from the
headings in the spine documents when the book has no usable table of contents."""

from __future__ import annotations

import posixpath
import warnings
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from reader.core.types import Document

from .html import html_into, parse
from .structure import Heading
from .text import TextBuilder, file_error, finish


def _open(path: Path) -> Any:
    from ebooklib import epub

    if not zipfile.is_zipfile(path):
        raise file_error(
            path, "is not a valid EPUB (not a zip archive); re-download or re-export it"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises KeyError, EpubException, lxml and zip errors
        raise file_error(
            path, f"is not a valid EPUB ({type(exc).__name__}: {exc}); re-download or re-export it"
        ) from exc


def _meta(book: Any, name: str) -> str | None:
    try:
        values = book.get_metadata("DC", name)
    except Exception:
        return None
    for value, _attrs in values or []:
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _toc_entries(toc: Any, level: int = 1) -> list[tuple[str, str, int]]:
    """(title, href, level) for a nested ebooklib table of contents."""
    out: list[tuple[str, str, int]] = []
    for entry in toc or []:
        if isinstance(entry, tuple | list) and len(entry) == 2 and isinstance(entry[1], list):
            section, children = entry
            href = getattr(section, "href", "") or ""
            title = getattr(section, "title", "") or ""
            if title and href:
                out.append((title, href, level))
            out.extend(_toc_entries(children, level + 1))
        elif isinstance(entry, list):
            out.extend(_toc_entries(entry, level))
        else:
            title, href = getattr(entry, "title", "") or "", getattr(entry, "href", "") or ""
            if title and href:
                out.append((title, href, level))
    return out


def load_epub(path: Path, data: bytes) -> Document:
    from ebooklib import epub

    book = _open(path)
    builder = TextBuilder()
    starts: dict[str, int] = {}
    anchors: dict[str, dict[str, int]] = {}
    spine_headings: list[Heading] = []
    try:
        for idref, _linear in book.spine:
            item = book.get_item_with_id(idref)
            if item is None or isinstance(item, epub.EpubNav):
                continue
            if not item.get_name().lower().endswith((".xhtml", ".html", ".htm", ".xml")):
                continue
            name = posixpath.normpath(item.get_name())
            starts[name] = builder.next_offset
            found = len(builder.headings)
            soup = parse(item.get_content())
            anchors[name] = {}
            html_into(builder, soup.body or soup, anchors[name])
            spine_headings.extend(builder.headings[found:])
    except Exception as exc:
        raise file_error(
            path,
            f"has a spine document that cannot be read ({type(exc).__name__}); "
            "re-download or re-export it",
        ) from exc
    text = builder.build()
    headings = _toc_headings(text, _toc_entries(book.toc), starts, anchors) or spine_headings
    return finish(
        path=path,
        data=data,
        fmt="epub",
        text=text,
        headings=headings,
        title=_meta(book, "title"),
        author=_meta(book, "creator"),
    )


def _toc_headings(
    text: str,
    entries: list[tuple[str, str, int]],
    starts: dict[str, int],
    anchors: dict[str, dict[str, int]],
) -> list[Heading]:
    headings: list[Heading] = []
    for title, href, level in entries:
        file, _, fragment = unquote(href).partition("#")
        name = posixpath.normpath(file)
        if name not in starts:
            # TOC hrefs are relative to the package file; spine names may carry a folder.
            matches = [n for n in starts if n.endswith("/" + name) or name.endswith("/" + n)]
            if not matches:
                continue
            name = matches[0]
        start = anchors[name].get(fragment, starts[name]) if fragment else starts[name]
        if start >= len(text):
            continue
        title = " ".join(title.split())
        end = (
            start + len(title)
            if text[start : start + len(title)].lower() == title.lower()
            else start
        )
        headings.append(Heading(start, end, title, level))
    return headings
