"""Read the part of a page that matters: each page cut to its passages most like the question
(BM25 and embedding similarity fused), with their neighbours, within a token budget.

A repeat question's prompt is cached up to its pages (agents/lookup/graph.py), so the pages it
reads are most of what it pays for; a 600-token window around the best passage keeps the sentence
that answers and the context on both sides of it.
"""

from __future__ import annotations

from agents.answer.pages import cut, story_ending
from agents.answer.questions import is_about_the_end
from agents.context import GraphContext
from memory.bm25 import rank
from memory.hybrid import fuse
from memory.passages import Passage, split_page
from reader.core.types import Page

PAGE_READ_TOKENS = 600  # tokens kept of a page read for an answer: about three passages


def _window(ctx: GraphContext, passages: list[Passage], best: int, budget: int) -> tuple[int, int]:
    """The run of passages around `best` (the one after it tried first) that fits `budget`."""
    lo = hi = best
    used = ctx.model.count_tokens(passages[best].text)
    grew = True
    while grew:
        grew = False
        for step in (hi + 1, lo - 1):
            if 0 <= step < len(passages) and not lo <= step <= hi:
                tokens = ctx.model.count_tokens(passages[step].text)
                if used + tokens <= budget:
                    lo, hi, used, grew = min(lo, step), max(hi, step), used + tokens, True
    return lo, hi


def focus(
    ctx: GraphContext, question: str, pages: list[Page], budget: int = PAGE_READ_TOKENS
) -> list[Page]:
    """`pages`, each longer than `budget` cut to the window around its passage that best fits
    `question`; a page with no passage that matches at all is kept whole. For a question about
    how things end, a document's closing pages keep their last passages instead."""
    long = [p for p in pages if (p.tokens or ctx.model.count_tokens(p.text)) > budget]
    if not long:
        return pages
    endings: set[str] = set()
    if is_about_the_end(question):
        documents = list(dict.fromkeys(p.document for p in long))
        endings = {p.id for p in story_ending(ctx, documents)}
    passages = {p.id: split_page(p, enc_name=ctx.settings.pages.encoding) for p in long}
    every = [q for p in long for q in passages[p.id]]
    lexical = [every[i].id for i, _ in rank(question, [q.text for q in every])]
    similar = ctx.store.passage_similarity(question, [q.id for q in every])
    dense = sorted(similar, key=lambda pid: -similar[pid])
    score = dict(fuse([lexical, dense]))
    kept: list[Page] = []
    for page in pages:
        own = passages.get(page.id, [])
        scored = [i for i, q in enumerate(own) if q.id in score]
        if page.id in endings and own:
            best = len(own) - 1
        elif scored:
            best = max(scored, key=lambda i: score[own[i].id])
        else:
            kept.append(page)
            continue
        lo, hi = _window(ctx, own, best, budget)
        kept.append(cut(page, own[lo].start, own[hi].end))
    return kept
