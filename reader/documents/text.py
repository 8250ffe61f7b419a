"""Reading, decoding and normalising text, and loading plain-text (.txt) documents."""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from pathlib import Path

from reader.core.errors import DocumentError
from reader.core.types import Document

from .gutenberg import strip_gutenberg
from .structure import Heading, build_chapters, detect_headings

SCENE_BREAK = "* * *"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Whitespace-like characters that become a plain space; \u2028/\u2029 become line breaks.
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_TRANSLATE = {ord(c): " " for c in _SPACES + "\u202f\u205f\u3000"}
_TRANSLATE.update({ord("\f"): "\n", ord("\v"): "\n", 0x2028: "\n", 0x2029: "\n\n", 0x85: "\n"})
_TRANSLATE.update({0xFEFF: None, 0x00AD: None, 0x200B: None})
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACE_RUN = re.compile(r" {2,}")
_LINE_EDGE = re.compile(r" *\n *")
# At most one blank line between paragraphs, but a run of two or more blank lines is kept as
# exactly two: plain-text books mark scene breaks that way and pagination prefers to break there.
_BLANK_RUN = re.compile(r"\n{4,}")


def file_error(path: Path, problem: str) -> DocumentError:
    return DocumentError(f"{path}: {problem}")


def read_source(path: str | Path) -> tuple[Path, bytes]:
    """Check that `path` is a readable, non-empty file and return its bytes."""
    p = Path(path).expanduser()
    if not p.exists():
        raise file_error(p, "no such file; check the path")
    if p.is_dir():
        raise file_error(p, "is a directory; pass a single document file")
    if not p.is_file():  # a FIFO would block the read forever; a device never ends
        raise file_error(
            p, "is not a regular file (a pipe, device or socket); pass a document file"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise file_error(
            p, f"cannot be read ({exc.strerror or exc}); check its permissions"
        ) from exc
    if not data.strip():
        raise file_error(p, "is empty; pass a document that contains text")
    return p, data


def document_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def decode(data: bytes, path: Path) -> str:
    """Bytes to str: BOM, then strict UTF-8, then UTF-16 without BOM, then a legacy 8-bit code."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(name)
            except UnicodeDecodeError as exc:
                raise file_error(path, f"is not valid {name} despite its byte-order mark") from exc
    sample = data[:65536]
    if sample.count(0) > len(sample) // 100:
        text = _utf16_without_bom(data)
        if text is None:
            raise _binary(path)
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _legacy(data)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:65536]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    for name, nuls in (("utf-16-le", odd), ("utf-16-be", even)):
        if nuls > 0.6 * half:
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                return None
    return None


def _legacy(data: bytes) -> str:
    """Non-UTF-8 bytes. charset-normalizer is good at telling scripts apart but often names the
    wrong member of the Western code-page family, so Latin-script guesses fall back to cp1252."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and not _mostly_latin(text):
            return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _mostly_latin(text: str) -> bool:
    letters = [c for c in text[:100_000] if ord(c) > 127 and c.isalpha()]
    if not letters:
        return True
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return latin >= len(letters) / 2


def _binary(path: Path) -> DocumentError:
    return file_error(
        path, "looks like binary data, not text; pass a text, markdown, html, epub or pdf document"
    )


def check_text(text: str, path: Path) -> None:
    """Refuse decoded text that is mostly control characters or undecodable bytes."""
    sample = text[:200_000]
    if not sample:
        return
    junk = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    if junk > max(8, len(sample) // 100):
        raise _binary(path)


def normalise(text: str) -> str:
    """Line endings to \\n, runs of spaces/tabs to one space, no spaces at line edges, at most two
    blank lines in a row, no leading or trailing blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TRANSLATE)
    text = _CONTROL.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    text = _LINE_EDGE.sub("\n", text)
    text = _BLANK_RUN.sub("\n\n\n", text)
    return text.strip()


def normalise_block(text: str) -> str:
    """Like `normalise`, for one block of a structured format: no blank lines inside it."""
    return re.sub(r"\n{2,}", "\n", normalise(text))


def title_from_path(path: Path) -> str:
    stem = re.sub(r"[_]+", " ", path.stem).strip()
    return stem or path.name


class TextBuilder:
    """Assembles normalised text from blocks (paragraphs, headings, breaks) joined by one blank
    line, recording heading offsets, so structured formats need no offset remapping later."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._last_break = True
        self.headings: list[Heading] = []

    @property
    def next_offset(self) -> int:
        """Where the next block will start."""
        return self._length + 2 if self._length else 0

    def block(self, text: str, *, keep_blank_lines: bool = False) -> int | None:
        body = normalise(text) if keep_blank_lines else normalise_block(text)
        if not body:
            return None
        start = self.next_offset
        if self._length:
            self._parts.append("\n\n")
        self._parts.append(body)
        self._length = start + len(body)
        self._last_break = False
        return start

    def heading(self, text: str, level: int) -> None:
        title = " ".join(text.split())
        start = self.block(title)
        if start is not None:
            self.headings.append(Heading(start, start + len(title), title, level))

    def scene_break(self) -> None:
        if not self._last_break:
            self.block(SCENE_BREAK)
            self._last_break = True

    def build(self) -> str:
        return "".join(self._parts)


def finish(
    *,
    path: Path,
    data: bytes,
    fmt: str,
    text: str,
    headings: list[Heading] | None,
    title: str | None,
    author: str | None,
) -> Document:
    """Strip Project Gutenberg boilerplate, find structure and build the Document."""
    body = strip_gutenberg(text)
    if body.start or body.end != len(text):
        text = text[body.start : body.end]
        if headings is not None:
            headings = [
                Heading(h.start - body.start, h.end - body.start, h.title, h.level, h.kind)
                for h in headings
                if body.start <= h.start < body.end
            ]
    if not text.strip():
        raise file_error(path, "contains no readable text; pass a document with text in it")
    title = title or body.title or title_from_path(path)
    author = author or body.author
    if headings is None:
        headings = detect_headings(text)
    chapters = build_chapters(text, headings, title)
    return Document(
        id=document_id(data),
        title=title,
        author=author,
        format=fmt,
        source=str(path.resolve()),
        text=text,
        chapters=chapters,
    )


def load_text(path: Path, data: bytes) -> Document:
    raw = decode(data, path)
    check_text(raw, path)
    return finish(
        path=path,
        data=data,
        fmt="txt",
        text=normalise(raw),
        headings=None,
        title=None,
        author=None,
    )
