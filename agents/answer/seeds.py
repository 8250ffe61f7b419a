"""The pages retrieval suggests before a strategy reads: hybrid search (BM25 and embeddings fused),
a bridge hop for two-fact questions (memory/bridge.py), and the closing pages first for questions
about how things end. `hybrid`, `lookup` and `navigate` all start from these."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from agents.answer.pages import closing_hits
from agents.answer.questions import is_about_the_book, is_about_the_end
from agents.context import GraphContext
from memory.bridge import Bridge, find_bridge
from memory.hybrid import fuse
from memory.records import PageHit

HOP_FROM = 2  # the best hits whose sentences may lead a second hop


@dataclass
class Seeds:
    hits: list[PageHit]  # best first, each page once; the bridge's source, then its page
    bridge: Bridge | None = None
    trace: dict[str, Any] = field(default_factory=dict)


def bridge_state(bridge: Bridge | None) -> dict[str, Any]:
    """What a graph's state keeps of the bridge (ids and offsets; texts stay in the store)."""
    if bridge is None:
        return {}
    return {"source": bridge.source.id, "page": bridge.page.id, "phrase": bridge.phrase,
            "start": bridge.start, "end": bridge.end, "source_start": bridge.source_start,
            "source_end": bridge.source_end}  # fmt: skip


async def seed(
    ctx: GraphContext,
    question: str,
    documents: list[str],
    k: int,
    query: str = "",
    clues: str = "",
) -> Seeds:
    """With `clues` (agents/answer/clues.py), the pages ranked for the query and for the clues,
    fused by reciprocal rank."""
    matter = is_about_the_book(question)
    hits = await asyncio.to_thread(ctx.store.search_hybrid, query or question, documents, k, matter)
    trace: dict[str, Any] = {}
    if clues:
        clued = await asyncio.to_thread(ctx.store.search_hybrid, clues, documents, k, matter)
        by_id = {h.page.id: h for h in [*clued, *hits]}
        hits = [by_id[i] for i, _ in fuse([[h.page.id for h in hits], [h.page.id for h in clued]])]
        trace["clued"] = [h.page.ordinal + 1 for h in clued]
    pages = [
        p
        for d in documents
        for p in await asyncio.to_thread(ctx.store.pages, d)
        if matter or not p.matter
    ]
    bridge = find_bridge(question, [h.page for h in hits[:HOP_FROM]], pages)
    if bridge:
        hop = PageHit(page=bridge.page, score=0.0, passage_start=bridge.start,
                      passage_end=bridge.end)  # fmt: skip
        source = [h for h in hits if h.page.id == bridge.source.id]
        hits = [*source, hop, *(h for h in hits if h.page.id != bridge.source.id)]
        trace["bridge"] = {"phrase": bridge.phrase, "from": bridge.source.ordinal + 1,
                           "to": bridge.page.ordinal + 1}  # fmt: skip
    if is_about_the_end(question):
        hits = [*(await closing_hits(ctx, documents)), *hits]
        trace["closing"] = True
    unique: dict[str, PageHit] = {}
    for hit in hits:
        unique.setdefault(hit.page.id, hit)
    return Seeds(list(unique.values())[:k], bridge, trace)
