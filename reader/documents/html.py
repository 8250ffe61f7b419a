"""HTML (.html, .htm, .xhtml): block elements become paragraphs, h1-h3 become structure.

`html_into` is shared with the epub reader, which feeds it one spine document at a time.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

from reader.core.types import Document

from .structure import split_title
from .text import TextBuilder, check_text, decode, file_error, finish

_SKIP = {
    "script",
    "style",
    "head",
    "noscript",
    "template",
    "svg",
    "math",
    "nav",
    "button",
    "select",
    "iframe",
    "object",
}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "main",
    "body",
    "address",
    "center",
    "form",
    "fieldset",
    "caption",
    "tbody",
    "thead",
    "tfoot",
    "html",
    "details",
    "summary",
    "hgroup",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CELLS = {"td", "th"}
_EXIT = object()


def parse(markup: str | bytes) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(markup, "lxml")


def html_into(builder: TextBuilder, root: Tag, anchors: dict[str, int] | None = None) -> None:
    """Append the text under `root` to `builder`. When `anchors` is given, record the offset of
    the block holding each element id into it."""
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            builder.block("".join(buffer))
            buffer.clear()

    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if node is _EXIT:
            flush()
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment | Doctype | ProcessingInstruction):
                buffer.append(str(node).replace("\n", " "))
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower().rsplit(":", 1)[-1]
        if anchors is not None:
            for key in ("id", "name"):
                value = node.get(key)
                if isinstance(value, str) and value not in anchors:
                    anchors[value] = builder.next_offset
        if name in _SKIP:
            continue
        if name in _HEADINGS:
            flush()
            title = node.get_text(" ")
            if _HEADINGS[name] <= 3:
                builder.heading(title, _HEADINGS[name])
            else:
                builder.block(title)
            continue
        if name == "hr":
            flush()
            builder.scene_break()
            continue
        if name == "br":
            buffer.append("\n")
            continue
        if name == "pre":
            flush()
            builder.block(node.get_text())
            continue
        if name == "img":
            continue
        if name in _CELLS:
            buffer.append(" ")
        block = name in _BLOCK
        if block:
            flush()
            stack.append(_EXIT)
        stack.extend(reversed(node.contents))
    flush()


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    for name in names:
        tag = soup.find("meta", attrs={"name": name}) or soup.find(
            "meta", attrs={"name": name.lower()}
        )
        if isinstance(tag, Tag) and isinstance(tag.get("content"), str) and tag["content"].strip():
            return " ".join(str(tag["content"]).split())
    return None


def load_html(path: Path, data: bytes) -> Document:
    raw = decode(data, path)
    check_text(raw, path)
    try:
        soup = parse(raw)
    except Exception as exc:  # lxml/bs4 raise many types on hopeless markup
        raise file_error(
            path,
            f"could not be parsed as HTML ({type(exc).__name__}); check that it is an HTML file",
        ) from exc
    builder = TextBuilder()
    html_into(builder, soup.body or soup)
    text = builder.build()
    title = None
    if soup.title and soup.title.get_text(strip=True):
        title = " ".join(soup.title.get_text().split())
    heading_title, headings = split_title(builder.headings)
    title = title or heading_title
    author = _meta(soup, "author", "DC.creator", "dc.creator", "DC.Creator")
    return finish(
        path=path, data=data, fmt="html", text=text, headings=headings, title=title, author=author
    )
