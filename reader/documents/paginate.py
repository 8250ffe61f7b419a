"""Token-bounded pages that end at natural breaks.

The text is cut into units (paragraphs; sentences, words or character runs inside paragraphs too
long to fit a page's slack), each unit is tokenised once, and pages are packed from the units'
token counts. Every boundary between units has a strength (chapter end > scene break >
paragraph > sentence > word); a page ends at the strongest boundary whose page size falls in
[0.6 * target, max], nearest the target. Each page's exact token count is checked once.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import TYPE_CHECKING

from reader.core.types import Chapter, Document, Page

if TYPE_CHECKING:
    from reader.core.settings import PageSettings

CHAPTER, SCENE, PARAGRAPH, SENTENCE, WORD, HARD = 5, 4, 3, 2, 1, 0

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")
_SEPARATOR = re.compile(r"[*#~=_\-–—•·. ]{1,30}")
_SENTENCE_END = re.compile(r"(?<=[.!?…;])[”’\"')\]]*\s+(?=\S)")
_WORD = re.compile(r"\S+")

Unit = tuple[int, int, int, int, int]  # start, end, tokens, strength of the break after, chapter


class _Units:
    """The units of a whole document, in text order."""

    def __init__(self, text: str, count: Callable[[str], int], split_limit: int) -> None:
        self.text = text
        self.count = count
        self.split_limit = split_limit
        self.units: list[Unit] = []

    def add_chapter(self, start: int, end: int, chapter: int) -> None:
        text = self.text
        first = len(self.units)
        matches = list(_PARAGRAPH.finditer(text, start, end))
        for i, m in enumerate(matches):
            a, b = m.span()
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if a == b:
                continue
            if (_SEPARATOR.fullmatch(text, a, b) and any(c not in ". " for c in text[a:b])) or (
                i + 1 < len(matches) and text.count("\n", b, matches[i + 1].start()) >= 3
            ):
                strength = SCENE
            else:
                strength = PARAGRAPH
            self._add(a, b, strength, chapter, 1, SENTENCE)
        if len(self.units) > first:
            a, b, tokens, _, ch = self.units[-1]
            self.units[-1] = (a, b, tokens, CHAPTER, ch)

    def _add(self, a: int, b: int, strength: int, chapter: int, extra: int, inner: int) -> None:
        """Add text[a:b] as one unit, or as smaller units when it is too long."""
        tokens = self.count(self.text[a:b])
        if tokens <= self.split_limit or inner < HARD:
            self.units.append((a, b, tokens + extra, strength, chapter))
            return
        pieces = self._split(a, b, inner)
        if len(pieces) == 1:
            if inner > HARD:
                self._add(a, b, strength, chapter, extra, inner - 1)
            else:
                self.units.append((a, b, tokens + extra, strength, chapter))
            return
        for k, (pa, pb) in enumerate(pieces):
            last = k == len(pieces) - 1
            self._add(pa, pb, strength if last else inner, chapter, extra if last else 0, inner - 1)

    def _split(self, a: int, b: int, inner: int) -> list[tuple[int, int]]:
        text = self.text
        if inner == SENTENCE:
            cuts = [m.end() for m in _SENTENCE_END.finditer(text, a, b)]
            pieces = []
            for s, e in zip([a, *cuts], [*cuts, b], strict=True):
                while e > s and text[e - 1].isspace():
                    e -= 1
                pieces.append((s, e))
            return pieces
        if inner == WORD:
            return [m.span() for m in _WORD.finditer(text, a, b)]
        # A single "word" longer than a page's slack (a URL, base64...): cut it by characters.
        pieces = []
        size = max(1, self.split_limit)
        while a < b:
            n = min(size, b - a)
            while n > 1 and self.count(text[a : a + n]) > self.split_limit:
                n = n * 2 // 3
            pieces.append((a, a + n))
            a += n
        return pieces


def _segments(chapters: list[Chapter], tokens: list[int], minimum: int) -> list[list[int]]:
    """Groups of chapter indices paginated together: a tiny chapter joins the next one (the last
    one joins the previous)."""
    groups: list[list[int]] = []
    join_next = False
    for i in range(len(chapters)):
        if groups and join_next:
            groups[-1].append(i)
        else:
            groups.append([i])
        join_next = tokens[i] < minimum
    if len(groups) > 1 and len(groups[-1]) == 1 and tokens[groups[-1][0]] < minimum:
        groups[-2].extend(groups.pop())
    return groups


def page_id(doc_id: str, ordinal: int, start: int, end: int, settings: PageSettings) -> str:
    key = (
        f"{doc_id}|{start}|{end}|{settings.target_tokens}|{settings.max_tokens}|{settings.encoding}"
    )
    return f"{doc_id}-p{ordinal:04d}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def page_document(page_id: str) -> str:
    """The id of the document a page id (`page_id`'s DOC-pNNNN-hash) belongs to."""
    return page_id.rsplit("-p", 1)[0]


class _Packer:
    def __init__(
        self, text: str, units: list[Unit], count: Callable[[str], int], settings: PageSettings
    ) -> None:
        self.text = text
        self.units = units
        self.count = count
        self.target = settings.target_tokens
        self.max = settings.max_tokens
        self.low = min(int(0.6 * self.target), self.max)
        self.cum = [0, *accumulate(u[2] for u in units)]

    def exact(self, a: int, b: int) -> int:
        return self.count(self.text[self.units[a][0] : self.units[b - 1][1]])

    def choose(self, pos: int, limit: int, target: float, low: float, high: float) -> int | None:
        """The best end (exclusive unit index) for a page starting at unit `pos`."""
        base = self.cum[pos]
        first = max(pos + 1, bisect_left(self.cum, base + low, pos + 1, limit + 1))
        last = bisect_right(self.cum, base + high, pos + 1, limit + 1)
        best, best_key = None, None
        for j in range(first, last):
            key = (self.units[j - 1][3], -abs(self.cum[j] - base - target))
            if best_key is None or key > best_key:
                best, best_key = j, key
        return best

    def fit(self, pos: int, end: int) -> tuple[int, int]:
        """Shrink a page until its exact token count is within max; return (end, tokens)."""
        tokens = self.exact(pos, end)
        while tokens > self.max and end > pos + 1:
            end = self.choose(pos, end - 1, self.target, 0, self.cum[end - 1] - self.cum[pos])
            end = end or pos + 1
            tokens = self.exact(pos, end)
        return end, tokens

    def pack(self, first: int, limit: int) -> list[tuple[int, int, int]]:
        """Pages (start unit, end unit, tokens) for units[first:limit]."""
        pages: list[tuple[int, int, int]] = []
        pos = first
        while pos < limit:
            if self.cum[limit] - self.cum[pos] <= self.max:
                end = limit
            else:
                end = self.choose(pos, limit, self.target, self.low, self.max)
                if end is None:
                    end = max(pos + 1, bisect_right(self.cum, self.cum[pos] + self.max) - 1)
                    end = min(end, limit)
            end, tokens = self.fit(pos, end)
            pages.append((pos, end, tokens))
            pos = end
        if len(pages) >= 2 and pages[-1][2] < self.target / 2:
            pages[-2:] = self.balance(pages[-2][0], limit, pages[-2:])
        return pages

    def balance(
        self, a: int, limit: int, old: list[tuple[int, int, int]]
    ) -> list[tuple[int, int, int]]:
        """Re-cut the last two pages of a chapter so the last one is not tiny."""
        total = self.cum[limit] - self.cum[a]
        if total <= self.target:
            tokens = self.exact(a, limit)
            if tokens <= self.max:
                return [(a, limit, tokens)]
        mid = self.choose(a, limit, total / 2, total * 0.3, min(self.max, total * 0.7))
        if mid is None:
            return old
        t1, t2 = self.exact(a, mid), self.exact(mid, limit)
        if max(t1, t2) > self.max:
            return old
        return [(a, mid, t1), (mid, limit, t2)]


def paginate(document: Document, settings: PageSettings) -> list[Page]:
    """Token-bounded pages over `document.text`, breaking at chapter ends, scene breaks,
    paragraphs, sentences or words, in that order of preference."""
    from reader.core.tokens import encoding

    text = document.text
    enc = encoding(settings.encoding)

    def count(s: str) -> int:
        return len(enc.encode_ordinary(s))

    order = sorted(range(len(document.chapters)), key=lambda i: document.chapters[i].start)
    chapters = [document.chapters[i] for i in order]
    if not chapters:
        chapters = [Chapter(title=document.title, start=0, end=len(text))]
    low = min(int(0.6 * settings.target_tokens), settings.max_tokens)
    units = _Units(text, count, split_limit=max(1, settings.max_tokens - low - 1))
    spans: list[tuple[int, int]] = []
    done = 0  # overlapping chapters (from a hand-made Document) are cut where the last one ended
    for i, ch in enumerate(chapters):
        first = len(units.units)
        start, end = max(done, ch.start), min(len(text), ch.end)
        if start < end:
            units.add_chapter(start, end, i)
            done = end
        spans.append((first, len(units.units)))
    chapter_tokens = [sum(u[2] for u in units.units[a:b]) for a, b in spans]
    packer = _Packer(text, units.units, count, settings)
    pages: list[Page] = []
    for group in _segments(chapters, chapter_tokens, settings.min_chapter_tokens):
        first, limit = spans[group[0]][0], spans[group[-1]][1]
        for a, b, tokens in packer.pack(first, limit) if limit > first else []:
            start, end = units.units[a][0], units.units[b - 1][1]
            chapter = order[_majority(units.units[a:b])] if order else -1
            ordinal = len(pages)
            pages.append(
                Page(
                    id=page_id(document.id, ordinal, start, end, settings),
                    document=document.id,
                    chapter=chapter,
                    ordinal=ordinal,
                    start=start,
                    end=end,
                    tokens=tokens,
                    text=text[start:end],
                    matter=document.chapters[chapter].matter if chapter >= 0 else "",
                )
            )
    return pages


def _majority(units: list[Unit]) -> int:
    first = units[0][4]
    if units[-1][4] == first:
        return first
    weights: dict[int, int] = {}
    for u in units:
        weights[u[4]] = weights.get(u[4], 0) + u[2]
    return max(weights, key=lambda ch: (weights[ch], -ch))
