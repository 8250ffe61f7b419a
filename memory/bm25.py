"""Okapi BM25 over a handful of texts (a document's pages): the lexical retrieval baseline."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

K1 = 1.5
B = 0.75
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = (
    "a an and are as at be but by did do does for from had has have he her his how i in is it its "
    "of on or she that the their them they this to was were what when where which who whom why "
    "will with you"
)
STOPWORDS = frozenset(_STOPWORDS.split(" "))


def terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


# Every question ranks the same pages again: their terms are kept (by text, so never stale).
@lru_cache(maxsize=4096)
def page_terms(text: str) -> tuple[str, ...]:
    return tuple(terms(text))


@lru_cache(maxsize=4096)
def _counts(text: str) -> Counter[str]:
    return Counter(page_terms(text))


def rank(query: str, texts: list[str]) -> list[tuple[int, float]]:
    """`(index, score)` of the texts that share a term with `query`, best first."""
    docs = [_counts(t) for t in texts]
    if not docs:
        return []
    lengths = [sum(d.values()) for d in docs]
    average = sum(lengths) / len(docs) or 1.0
    frequency = Counter(term for d in docs for term in d)
    scores: list[tuple[int, float]] = []
    for i, (counts, length) in enumerate(zip(docs, lengths, strict=True)):
        score = 0.0
        for term in set(terms(query)):
            tf = counts.get(term, 0)
            if not tf:
                continue
            n = frequency[term]
            idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        if score > 0:
            scores.append((i, score))
    return sorted(scores, key=lambda item: (-item[1], item[0]))
