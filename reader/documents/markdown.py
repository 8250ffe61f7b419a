"""Markdown (.md): paragraphs as blocks, `#` and setext headings as structure.

Inline markup (emphasis, links) is kept as written; heading markers, fences and rules are not.
"""

from __future__ import annotations

import re
from pathlib import Path

from reader.core.types import Document

from .structure import Heading, split_title
from .text import TextBuilder, check_text, decode, finish

_ATX = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$|( {0,3})(#{1,6})[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_META = re.compile(r"^(title|author)[ \t]*:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    """Strip a YAML front-matter block and return its title and author."""
    m = _FRONT.match(text)
    if not m:
        return text, {}
    meta = {k.lower(): v.strip("\"'") for k, v in _META.findall(m.group(1))}
    return text[m.end() :], meta


def parse_markdown(text: str) -> tuple[str, list[Heading]]:
    builder = TextBuilder()
    para: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if para:
            builder.block("\n".join(para))
            para.clear()

    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence):
                builder.block("\n".join(code))
                code.clear()
                fence = None
            else:
                code.append(line)
            continue
        if m := _FENCE.match(line):
            flush()
            fence = m.group(1)
            continue
        if not line.strip():
            flush()
            continue
        if m := _ATX.match(line):
            flush()
            level = len(m.group(1) or m.group(4))
            _heading(builder, m.group(2) or "", level)
            continue
        if para and _SETEXT.match(line) and len(para) == 1:
            level = 1 if line.strip().startswith("=") else 2
            title = para.pop()
            _heading(builder, title, level)
            continue
        if _RULE.match(line):
            flush()
            builder.scene_break()
            continue
        para.append(line)
    flush()
    if code:
        builder.block("\n".join(code))
    return builder.build(), builder.headings


def _heading(builder: TextBuilder, title: str, level: int) -> None:
    if not title.strip():
        return
    if level <= 3:
        builder.heading(title, level)
    else:
        builder.block(title)


def load_markdown(path: Path, data: bytes) -> Document:
    raw = decode(data, path)
    check_text(raw, path)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    raw, meta = _front_matter(raw)
    text, headings = parse_markdown(raw)
    heading_title, headings = split_title(headings)
    title = meta.get("title") or heading_title
    return finish(
        path=path,
        data=data,
        fmt="md",
        text=text,
        headings=headings,
        title=title,
        author=meta.get("author"),
    )
