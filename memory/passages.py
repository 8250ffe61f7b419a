"""Split pages into passages small enough for the embedder to see whole.

Pages hold ~1000 tokens but MiniLM reads only 256 word pieces, so search embeds ~180-token
passages instead. Windows end at sentence or paragraph boundaries where possible; a sentence longer
than a window is cut between tokens (at whitespace when there is some). Offsets are kept in the
document's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from reader.core.tokens import encoding
from reader.core.types import Page

PASSAGE_TOKENS = 180
_BOUNDARY = re.compile(r"[.!?;:][\"'’”)\]]*\s+|\n\s*\n\s*|\n")
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Passage:
    page: str
    document: str
    ordinal: int  # the page's ordinal
    index: int  # position within the page
    start: int  # offsets in the document's text
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.page}#{self.index}"


def _segments(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, ends_paragraph) for each sentence-ish piece, covering the whole text."""
    pieces: list[tuple[int, int, bool]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end > start:
            pieces.append((start, end, bool(_PARAGRAPH.search(match.group()))))
            start = end
    if start < len(text):
        pieces.append((start, len(text), True))
    return pieces


def _cut_long(text: str, start: int, end: int, max_tokens: int, enc_name: str) -> list[int]:
    """Cut points inside text[start:end] so each part has at most ~max_tokens tokens."""
    enc = encoding(enc_name)
    tokens = enc.encode(text[start:end], disallowed_special=())
    _, offsets = enc.decode_with_offsets(tokens)
    cuts: list[int] = []
    previous = start
    for index in range(max_tokens, len(tokens), max_tokens):
        cut = start + offsets[index]
        space = text.rfind(" ", max(previous + 1, cut - 80), cut)
        if space >= 0:
            cut = space + 1
        if previous < cut < end:
            cuts.append(cut)
            previous = cut
    return cuts


def window_offsets(
    text: str, max_tokens: int = PASSAGE_TOKENS, enc_name: str = "cl100k_base"
) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) windows over `text`, whitespace trimmed, none empty."""
    enc = encoding(enc_name)
    bounds: list[tuple[int, int]] = []
    win_start, win_tokens = 0, 0
    for seg_start, seg_end, paragraph in _segments(text):
        size = len(enc.encode(text[seg_start:seg_end], disallowed_special=()))
        if size > max_tokens:
            if win_tokens:
                bounds.append((win_start, seg_start))
            edges = [seg_start, *_cut_long(text, seg_start, seg_end, max_tokens, enc_name)]
            bounds.extend(pairwise(edges))
            win_start = edges[-1]
            win_tokens = len(enc.encode(text[win_start:seg_end], disallowed_special=()))
        elif win_tokens and win_tokens + size > max_tokens:
            bounds.append((win_start, seg_start))
            win_start, win_tokens = seg_start, size
        else:
            win_tokens += size
        if paragraph and win_tokens >= max_tokens * 2 // 3:
            bounds.append((win_start, seg_end))
            win_start, win_tokens = seg_end, 0
    if win_start < len(text):
        bounds.append((win_start, len(text)))
    trimmed: list[tuple[int, int]] = []
    for start, end in bounds:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        tail = len(piece.rstrip())
        if tail > lead:
            trimmed.append((start + lead, start + tail))
    return trimmed


def split_page(
    page: Page, max_tokens: int = PASSAGE_TOKENS, enc_name: str = "cl100k_base"
) -> list[Passage]:
    return [
        Passage(
            page=page.id,
            document=page.document,
            ordinal=page.ordinal,
            index=index,
            start=page.start + start,
            end=page.start + end,
            text=page.text[start:end],
        )
        for index, (start, end) in enumerate(window_offsets(page.text, max_tokens, enc_name))
    ]
