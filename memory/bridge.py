"""A second retrieval hop without a model call, for questions whose answer needs two facts.

"Where is the brass key that Marta Quell keeps?" retrieves the page saying "Marta Quell keeps the
brass key in the blue lacquer box", but not the page saying where the box is: that page shares no
word with the question. The hop takes the sentence of the best pages that matches the question
most, keeps its words the question does not have ("blue lacquer box"), and looks for another page
holding a rare phrase of them. Only a phrase (two content words in a row, as in the sentence)
found on few pages, with a rare word and no common one, counts, so that the ordinary words of a
sentence ("down the road") do not send the hop anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from memory.bm25 import page_terms, terms
from reader.core.types import Page

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
MIN_SHARED = 2  # question terms a sentence must share to be the one the question is about
MAX_PAGES = 2  # a bridge phrase on more pages than this is too common to follow
RARE_PAGES = 3  # a phrase leads somewhere only with a word on at most this many pages ...
COMMON_SHARE = 0.25  # ... and none on more than this share of them ("down the road")
WINDOW = 700  # characters around the bridge sentence kept as evidence


@dataclass(frozen=True)
class Bridge:
    sentence: str  # the sentence the question is about, on `source`
    phrase: str  # the words of it that lead to `page`
    source: Page
    page: Page
    start: int  # [start, end) of the matching passage in the document's text
    end: int
    source_start: int  # [start, end) of the passage around `sentence`
    source_end: int


def best_sentence(question: str, pages: list[Page]) -> tuple[str, Page, int] | None:
    """The sentence of `pages` sharing the most question terms (at least MIN_SHARED), its page and
    its offset in the page's text."""
    wanted = set(terms(question))
    best: tuple[int, str, Page, int] | None = None
    for page in pages:
        for match in _SENTENCE.finditer(page.text):
            shared = len(wanted & set(terms(match.group())))
            if shared >= MIN_SHARED and (best is None or shared > best[0]):
                best = (shared, match.group().strip(), page, match.start())
    return best[1:] if best else None


def phrases(sentence: str, question: str) -> list[str]:
    """Runs of two or more of the sentence's terms that are not in the question, longest first."""
    known = set(terms(question))
    runs: list[list[str]] = [[]]
    for word in terms(sentence):
        if word in known:
            runs.append([])
        else:
            runs[-1].append(word)
    pairs = [run for run in runs if len(run) >= 2]
    return [" ".join(run) for run in sorted(pairs, key=len, reverse=True)]


def _contains(words: Sequence[str], phrase: list[str]) -> bool:
    n, wanted = len(phrase), tuple(phrase)
    return any(tuple(words[i : i + n]) == wanted for i in range(len(words) - n + 1))


def find_bridge(question: str, seeds: list[Page], pages: list[Page]) -> Bridge | None:
    """The page (not among `seeds`) that the best seed sentence's rare phrase leads to, or None
    when no sentence matches the question or no phrase of it is rare elsewhere."""
    found = best_sentence(question, seeds)
    if not found:
        return None
    sentence, source, at = found
    around = _window(source, at, at + len(sentence))
    seed_ids = {p.id for p in seeds}
    words_of = {p.id: page_terms(p.text) for p in pages}
    frequency = Counter(t for words in words_of.values() for t in set(words))
    common = max(RARE_PAGES, COMMON_SHARE * len(pages))

    def distinctive(piece: list[str]) -> bool:
        counts = [frequency[w] for w in piece]
        return min(counts) <= RARE_PAGES and max(counts) <= common

    for phrase in phrases(sentence, question):
        words = phrase.split()
        for size in range(len(words), 1, -1):  # the whole run, then its shorter pieces
            for i in range(len(words) - size + 1):
                piece = words[i : i + size]
                if not distinctive(piece):
                    continue
                holders = [p for p in pages if _contains(words_of[p.id], piece)]
                if len(holders) > MAX_PAGES + 1:
                    continue
                for target in holders:
                    if target.id in seed_ids or target.id == source.id:
                        continue
                    found_at = passage(target, piece, besides=sentence)
                    if found_at:
                        phrase = " ".join(piece)
                        return Bridge(sentence, phrase, source, target, *found_at, *around)
    return None


def passage(page: Page, phrase: list[str], besides: str) -> tuple[int, int] | None:
    """[start, end) in the document of about WINDOW characters around the first sentence of
    `page` that holds `phrase` and is not `besides` (a copy of the sentence says nothing new);
    None when there is none."""
    for match in _SENTENCE.finditer(page.text):
        if match.group().strip() != besides and _contains(terms(match.group()), phrase):
            return _window(page, match.start(), match.end())
    return None


def _window(page: Page, start: int, end: int) -> tuple[int, int]:
    """[start, end) in the document of about WINDOW characters of `page` centred on the page
    text's [start, end)."""
    middle = (start + end) // 2
    lo = max(0, middle - WINDOW // 2)
    hi = min(len(page.text), lo + WINDOW)
    lo = max(0, hi - WINDOW)
    return page.start + lo, page.start + hi
