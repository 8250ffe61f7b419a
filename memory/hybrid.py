"""Hybrid retrieval: BM25 over a document's pages and embedding similarity of their passages,
fused by reciprocal rank (RRF: a page scores the sum of 1 / (K + rank) over the rankings it is
in). Lexical matching finds the rare names and numbers a question repeats; embeddings find
paraphrases; the fusion needs no score calibration between the two."""

from __future__ import annotations

from memory.bm25 import rank
from reader.core.types import Page

K = 60  # the usual RRF constant: ranks far down a list still count, a little


def bm25_pages(query: str, pages: list[Page], k: int) -> list[tuple[Page, float]]:
    """The k pages that BM25 ranks highest for `query`, best first."""
    return [(pages[i], score) for i, score in rank(query, [p.text for p in pages])[:k]]


def fuse(rankings: list[list[str]], k: int = K) -> list[tuple[str, float]]:
    """Ids of every ranking (each best first), by their reciprocal-rank sum, best first; ties
    keep the order in which the ids first appear."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for position, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + position + 1)
    return sorted(scores.items(), key=lambda pair: -pair[1])
