"""Words for matching text against text without a model: content words (no stopwords, no short
words) as citations, quality measures and the router use them."""

from __future__ import annotations

import re
from itertools import pairwise

WORD = re.compile(r"\w+")
_STOP = (
    "a an and are as at be but by did do does for from had has have he her his how i if in into "
    "is it its me my no not of on or our she so that the their them then there they this to was "
    "we were what when where which who whom why will with you your page document"
)
STOPWORDS = frozenset(_STOP.split())


def content_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.casefold()) if len(w) > 2 and w not in STOPWORDS}


def mostly_within(words: set[str], within: set[str], share: float) -> bool:
    """At least `share` of `words` are in `within` (False when there are no words)."""
    return bool(words) and len(words & within) >= share * len(words)


def word_pairs(text: str) -> list[tuple[str, str]]:
    """Consecutive word pairs of `text`, casefolded."""
    words = WORD.findall(text.casefold())
    return list(pairwise(words))
