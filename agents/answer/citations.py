"""Citations: verbatim quotes with character offsets in the document's normalised text.

A quote the model gives is checked against the page text (case- and whitespace-insensitive); a
quote that is not there is dropped. When no valid quote is left, the sentence of the candidate
pages that shares the most words with the answer and the question is used instead, which is
verbatim by construction.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from reader.core.types import Citation, Evidence, Page
from reader.core.words import content_words

MIN_QUOTE_CHARS = 12
MAX_QUOTE_CHARS = 300
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’)]*|$)", re.MULTILINE)
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-"})


def find_quote(page: Page, quote: str) -> tuple[int, int] | None:
    """Offsets (relative to the page text) of `quote` in the page, or None when it is not there.
    Case, curly quotes and dashes, and the length of whitespace runs do not matter."""
    cleaned = quote.strip().strip("\"'“”‘’`").strip()
    cleaned = cleaned.removeprefix("...").removesuffix("...").removesuffix("…").strip()
    if len(cleaned) < MIN_QUOTE_CHARS:
        return None
    # Both sides translated one character for one, so offsets in the page stay offsets.
    words = cleaned.translate(_TRANSLATE).split()
    pattern = r"\s+".join(re.escape(word) for word in words)
    found = re.search(pattern, page.text.translate(_TRANSLATE), re.IGNORECASE)
    return (found.start(), found.end()) if found else None


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of `text`, trimmed of whitespace and capped in length."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start < 2:
            continue
        if end - start > MAX_QUOTE_CHARS:
            cut = text.rfind(" ", start, start + MAX_QUOTE_CHARS)
            end = cut if cut > start else start + MAX_QUOTE_CHARS
        spans.append((start, end))
    return spans


@lru_cache(maxsize=16384)  # every question scores the same pages' sentences again
def _sentence_words(sentence: str) -> frozenset[str]:
    return frozenset(content_words(sentence))


def extractive_quote(pages: list[Page], answer: str, question: str) -> tuple[Page, int, int] | None:
    """The sentence of `pages` sharing most words with the answer (twice) and the question."""
    answer_words, question_words = content_words(answer), content_words(question)
    best: tuple[float, Page, int, int] | None = None
    for page in pages:
        for start, end in sentences(page.text):
            words = _sentence_words(page.text[start:end])
            if not words:
                continue
            score = 2 * len(words & answer_words) + len(words & question_words)
            score -= 0.001 * abs(len(words) - 20)  # prefer sentence-sized spans among equals
            if best is None or score > best[0]:
                best = (score, page, start, end)
    return None if best is None else (best[1], best[2], best[3])


def _supports(found: tuple[Page, int, int], answer: str) -> bool:
    """Does the quoted span share a content word with the answer? A small model often quotes
    the sentence next to the one that holds its answer; such a quote supports nothing."""
    page, start, end = found
    words = content_words(answer)
    return not words or bool(words & content_words(page.text[start:end]))


def cite(page: Page, start: int, end: int, title: str = "") -> Citation:
    return Citation(
        document=page.document,
        page=page.id,
        start=page.start + start,
        end=page.start + end,
        quote=page.text[start:end],
        page_number=page.ordinal + 1,
        title=title,
    )


def build_citations(
    evidence: list[Evidence],
    pages: dict[str, Page],
    answer: str,
    question: str,
    titles: dict[str, str] | None = None,
) -> tuple[list[Citation], list[dict[str, Any]]]:
    """Citations for each evidence item, and trace notes; `titles` names the documents.

    The quote is looked for in the item's pages in order; when it is missing, not verbatim, or
    shares no word with the answer while another sentence does, the best-overlapping sentence of
    those pages stands in. Duplicate spans are merged."""
    citations: list[Citation] = []
    notes: list[dict[str, Any]] = []
    seen: set[tuple[str, int, int]] = set()
    for item in evidence:
        candidates = [pages[p] for p in item.pages if p in pages]
        if not candidates:
            continue
        quote = item.quote
        found: tuple[Page, int, int] | None = None
        if quote.strip():
            for page in candidates:
                span = find_quote(page, quote)
                if span is not None:
                    found = (page, *span)
                    break
            if found is None:
                notes.append({"step": "cite", "dropped_quote": quote[:200]})
            elif not _supports(found, answer):
                better = extractive_quote(candidates, answer, question)
                if better is not None and _supports(better, answer):
                    notes.append({"step": "cite", "replaced_quote": quote[:200]})
                    found = better
        if found is None:
            found = extractive_quote(candidates, answer, question)
        if found is None:
            continue
        citation = cite(*found, title=(titles or {}).get(found[0].document, ""))
        key = (citation.page, citation.start, citation.end)
        if key not in seen:
            seen.add(key)
            citations.append(citation)
    return citations, notes
